from http import HTTPStatus

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import http_date
from django.utils.translation import get_language_info
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from campaign.selectors import helplines_for, visitor_country
from core.countries import country_name
from core.outage import kept_for_outages
from core.templatetags.site_tags import absolute_url as absolute

from . import seo
from .cards import episode_card_for
from .models import Caption, Teaser
from .selectors import (
    caption_for_language,
    current_language,
    episode_captions,
    episode_place,
    episode_views,
    episodes_published,
    episodes_visible_to,
    series_published,
    teaser_captions,
    teaser_is_public,
    transcript,
)
from .services import story_view_record


@kept_for_outages
def story_list(request):
    return render(request, "stories/list.html", {"series_list": series_published()})


@kept_for_outages
def episode_detail(request, slug):
    episode = get_object_or_404(episodes_visible_to(request.user), slug=slug)
    language = current_language()
    captions = episode_captions(episode)
    page_caption = caption_for_language(captions, language)
    tracks = [
        {
            "url": caption.get_absolute_url(),
            "language": caption.language,
            "label": get_language_info(caption.language)["name_local"].capitalize(),
            "default": caption is page_caption,
        }
        for caption in captions
    ]
    place = episode_place(episode)
    page_url = absolute(episode.get_absolute_url())
    country = visitor_country(request)
    structured = seo.video_object(
        episode,
        page_url=page_url,
        absolute=absolute,
        views=episode_views(episode),
    )
    return render(
        request,
        "stories/detail.html",
        {
            "episode": episode,
            "tracks": tracks,
            "transcript": transcript(page_caption),
            "transcript_language": page_caption.language if page_caption else "",
            "place": place,
            "helplines": list(helplines_for(country)),
            "helpline_country": country_name(country),
            "page_url": page_url,
            "share_text": seo.share_text(title=episode.title),
            "share_card": episode_card_for(episode, place),
            "json_ld": seo.json_ld(structured),
            "is_preview": not episode.is_published(),
        },
    )


def episode_captions_file(request, slug, language):
    if language not in dict(settings.LANGUAGES):
        raise Http404
    episode = get_object_or_404(episodes_visible_to(request.user), slug=slug)
    caption = get_object_or_404(Caption, episode=episode, language=language)
    response = HttpResponse(caption.text, content_type="text/vtt; charset=utf-8")
    # A staff preview of an unpublished episode must not land in a shared cache.
    response["Cache-Control"] = (
        "public, max-age=300" if episode.is_published() else "private, no-store"
    )
    response["Content-Language"] = language
    response["Last-Modified"] = http_date(caption.updated_at.timestamp())
    return response


def teaser_captions_file(request, pk, language):
    """The series teaser's captions in one language (stories/teaser.py); 404 once
    the teaser shows an episode that is not public any more."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    teaser = get_object_or_404(Teaser, pk=pk)
    if not teaser_is_public(teaser):
        raise Http404
    response = HttpResponse(
        teaser_captions(teaser, language), content_type="text/vtt; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Language"] = language
    return response


@csrf_exempt
@require_POST
def episode_play(request, slug):
    """The player's beacon on the first `play`: counts a watch, sets no cookie.

    CSRF-exempt on purpose: it changes nothing but an anonymous counter, and a
    cookie-free beacon has no token to send.
    """
    episode = get_object_or_404(episodes_published(), slug=slug)
    story_view_record(episode=episode)
    return HttpResponse(status=HTTPStatus.NO_CONTENT)
