"""Pages that show several apps at once, so they live above them all, where the URLs
are wired: the home page (the campaign, the story series and the gallery) and the
partner toolkit (the gallery's widget and the series' posters)."""

from django.conf import settings
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse

from challenge.selectors.gallery import (
    gallery_copy_fresh,
    gallery_copy_version,
    gallery_figures,
    gallery_latest,
)
from core.outage import kept_for_outages
from stories.selectors import (
    current_language,
    episodes_numbered,
    episodes_published,
    story_views_total,
    teaser_shown,
)


@kept_for_outages(version=gallery_copy_version, fresh=gallery_copy_fresh)
def home(request):
    episodes = episodes_numbered()
    teaser = teaser_shown(episodes)
    language = current_language()
    return render(
        request,
        "campaign/home.html",
        {
            "episodes": episodes,
            "teaser": teaser,
            "teaser_captions": (
                reverse(
                    "stories:teaser_captions",
                    kwargs={"pk": teaser.pk, "language": language},
                )
                if teaser
                else ""
            ),
            "highlights": gallery_latest(limit=6),
            "figures": {
                **gallery_figures(),
                "views": story_views_total(include_demo=False),
            },
        },
    )


def partner_toolkit(request):
    """The gallery widget's code to copy (and which sites may show it), a live
    preview, and the campaign material to download."""
    embed_url = settings.SITE_URL + reverse("gallery:embed")
    allowed = [
        origin for origin in settings.EMBED_FRAME_ANCESTORS if origin != "'self'"
    ]
    episodes = list(episodes_published())
    # A demo episode's poster is this site's placeholder, with TikTok's English
    # title and a real creator's handle on it: never offered as campaign material.
    posters = [
        (episode, episode.video.poster_url)
        for episode in episodes
        if not episode.is_demo and episode.video_id and episode.video.poster_url
    ]
    return render(
        request,
        "campaign/partner_toolkit.html",
        {
            "embed_url": embed_url,
            "embed_path": reverse("gallery:embed"),
            "allowed_origins": allowed,
            "logo_url": static("img/heart.svg"),
            "posters": posters,
            "demo_episodes": sum(episode.is_demo for episode in episodes),
        },
    )
