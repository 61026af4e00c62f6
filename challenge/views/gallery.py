"""The public gallery: list, entry page, hearts, reports, the embeddable widget.

Thin views: every read goes through challenge.selectors.gallery (the one place
that knows what is public), every write through challenge.services.
"""

import hashlib
from functools import wraps
from http import HTTPStatus
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import condition, require_POST

from campaign.selectors import visitor_country
from core.csrf import CSRF_PLACEHOLDER, csrf_placeholder_fill
from core.outage import SERVED_FROM_CACHE, kept_for_outages
from core.qr import qr_svg
from core.ratelimit import limit_or_429
from core.text import clean_text

from ..cards import entry_card_for
from ..forms import NoteForm
from ..models import Heart, Prompt, ReportReason
from ..selectors import gallery, notes
from ..services import gallery as gallery_services
from ..services.moderation import reports
from .common import wants_json


def _has_pending_messages(request) -> bool:
    return "messages" in request.COOKIES or bool(request.session.get("_messages"))


def _gallery_etag(request, *args, **kwargs) -> str | None:
    """Changes whenever what the page shows may change: the gallery generation
    (bumped on every approval, hide, restore, heart), the visitor, the language and
    the query. No database query."""
    if _has_pending_messages(request):
        return None
    query = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:16]
    generation = _page_lookup(request)[0]
    # The banner's helplines follow the visitor's country (chosen, or guessed from
    # the browser's languages): a new choice must not be answered "not modified".
    country = visitor_country(request)
    return f"g{generation}-{request.user.pk or 0}-{get_language()}-{country}-{query}"


def _page_cache_key(request) -> str | None:
    """Anonymous visitors without a session get whole pages from the cache.

    The key holds everything such a page depends on: the path and query, the
    language, the visitor's country and cookies (banner, country), but not the CSRF cookie:
    the page is cached with a placeholder and each visitor's own token is put in
    when it is served. The gallery generation is stored with the page, not in the
    key, so one cache call fetches both (_page_lookup).
    """
    if (
        request.user.is_authenticated
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or "messages" in request.COOKIES
    ):
        return None
    cookies = sorted(
        (name, value)
        for name, value in request.COOKIES.items()
        if name != settings.CSRF_COOKIE_NAME
    )
    # The host too: a page built for one host is never served for another. And the
    # visitor's country, which the banner's helplines follow: without a chosen one it
    # is guessed from Accept-Language ("de-CH" on a German page: Switzerland).
    raw = repr(
        (
            request.get_host(),
            request.get_full_path(),
            get_language(),
            visitor_country(request),
            cookies,
        )
    ).encode()
    return f"gallery:html:{hashlib.sha256(raw).hexdigest()[:32]}"


def _page_lookup(request) -> tuple[int, str | None, tuple | None, int]:
    """(generation, page key, cached page or None, removals generation), once per
    request and in one cache round trip: the ETag, the page cache and the outage
    copy all need a generation."""
    lookup = getattr(request, "_gallery_page_lookup", None)
    if lookup is None:
        key = _page_cache_key(request)
        generation, found = gallery.gallery_generation_with([key] if key else [])
        cached = found.get(key)
        if cached is not None and cached[0] != generation:
            cached = None  # built before the last approval, hide or heart
        removals = gallery.gallery_copy_version(request, found)
        lookup = request._gallery_page_lookup = (generation, key, cached, removals)
    return lookup


def _generation(request) -> int:
    return _page_lookup(request)[0]


def _removals(request) -> int:
    """The version of the page's outage copy (core.outage): it may lag behind
    approvals and hearts, never behind what was taken down."""
    return _page_lookup(request)[3]


def anonymous_page_cache(view):
    """Serve and store whole pages for anonymous visitors (see _page_cache_key)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        generation, key, cached, _removals = _page_lookup(request)
        if key is None:
            return view(request, *args, **kwargs)
        built = cached is None
        if built:
            request.gallery_page_cacheable = True
            response = view(request, *args, **kwargs)
            if response.status_code != HTTPStatus.OK or response.streaming:
                return _fill_csrf(request, response)
            # Stored with the generation read before the page was built: a change
            # committed meanwhile makes it stale at once.
            cached = (generation, response.content, response["Content-Type"])
            timeout = settings.GALLERY_CACHE_SECONDS
            if timeout:
                cache.set(key, cached, timeout)
        _, content, content_type = cached
        response = HttpResponse(content, content_type=content_type)
        # From the page cache: its outage copy was kept when it was built (here,
        # by core.outage.kept_for_outages around this view); no cache call again.
        setattr(response, SERVED_FROM_CACHE, not built)
        return _revalidate(_fill_csrf(request, response))

    return wrapper


def _fill_csrf(request, response):
    if not response.streaming:
        response.content = csrf_placeholder_fill(request, response.content)
    return response


def _page_context(request, context: dict) -> dict:
    if getattr(request, "gallery_page_cacheable", False):
        context["csrf_token"] = CSRF_PLACEHOLDER
    return context


def _revalidate(response):
    # Browsers may keep the page but must ask again (a cheap 304 via the ETag).
    patch_cache_control(response, private=True, no_cache=True)
    return response


@kept_for_outages(version=_removals, fresh=gallery.gallery_copy_fresh)
@condition(etag_func=_gallery_etag)
@anonymous_page_cache
def gallery_list(request):
    if request.GET.get("wall") == "1":
        return _gallery_wall(request)
    page = gallery.gallery_page(
        sort=request.GET.get("sort", "new"),
        prompt=request.GET.get("prompt", ""),
        language=request.GET.get("language", ""),
        tag=request.GET.get("tag", ""),
        cursor=request.GET.get("after", ""),
    )
    filters = {k: v for k, v in page.filters.items() if v and k != "cursor"}
    if filters.get("sort") == "new":
        del filters["sort"]
    next_url = (
        "?" + urlencode({**filters, "after": page.next_cursor})
        if page.next_cursor
        else ""
    )
    first_url = "?" + urlencode(filters) if filters else reverse("gallery:list")
    count = len(page.entries)
    response = render(
        request,
        "gallery/list.html",
        _page_context(
            request,
            {
                "page": page,
                "entries": page.entries,
                "filters": page.filters,
                "next_url": next_url,
                "first_url": first_url,
                "chip_groups": _chip_groups(page.filters),
                # Rows that fill: as many columns as divide the page best, per width.
                "columns_wide": rows_that_fill(count, fewest=4, most=6),
                "columns_medium": rows_that_fill(count, fewest=3, most=4),
                "is_filtered": bool(set(filters) - {"sort"}),
                # Staff's row of the series' own TikTok posts, under every page
                # (one small query, so every page still costs the same).
                "curated": gallery.curated_tiktoks(),
                # The rendered grid is cached too, per generation and query.
                "cache_seconds": settings.GALLERY_CACHE_SECONDS,
                "page_key": hashlib.sha256(
                    repr(sorted(page.filters.items())).encode()
                ).hexdigest()[:24],
            },
        ),
    )
    return _revalidate(response)


def _chip_groups(filters: dict) -> list[tuple[str, str, list[tuple]]]:
    """The filters as chips: (key, label, [(label, url, is_current), …]) per group.

    Each chip is a plain link to the gallery with that one choice changed (and the
    others kept, the cursor dropped), so a tap applies it at once, with or without
    JavaScript."""
    kept = {key: value for key, value in filters.items() if value and key != "cursor"}
    groups = (
        (
            "sort",
            _("Order"),
            [("new", _("Newest first")), ("hearts", _("Most hearted"))],
        ),
        ("prompt", _("Theme"), [("", _("All themes")), *Prompt.choices]),
        ("language", _("Language"), [("", _("All languages")), *settings.LANGUAGES]),
    )
    chip_groups = []
    for key, label, choices in groups:
        chips = []
        for value, choice_label in choices:
            query = {**kept, key: value}
            query = {k: v for k, v in query.items() if v and (k, v) != ("sort", "new")}
            url = "?" + urlencode(query) if query else reverse("gallery:list")
            current = filters.get(key, "") == value
            chips.append((choice_label, url, current))
        chip_groups.append((key, label, chips))
    return chip_groups


def rows_that_fill(count: int, *, fewest: int, most: int) -> int:
    """How many columns leave the fewest empty places in the last row: `count`
    itself when it fits in one row, else the count between `fewest` and `most`
    that divides best (the widest on a tie). A full page (GALLERY_PAGE_SIZE, 24)
    fills every row of 3, 4 and 6; static/js/gallery.js repeats this rule when it
    appends a page."""
    if count <= most:
        return max(count, 1)
    return min(range(most, fewest - 1, -1), key=lambda columns: -count % columns)


WALL_SIZE = 30


def _gallery_wall(request):
    """`?wall=1`: the newest approved entries as tiles of looping clips on a big
    screen, for events and classrooms, with a QR code and a short link to join
    (static/js/wall.js; a grid of posters without it)."""
    join_url = settings.SITE_URL + reverse("join")
    response = render(
        request,
        "gallery/wall.html",
        {
            "entries": gallery.gallery_latest(limit=WALL_SIZE),
            "join_label": join_url.split("://", 1)[-1],
            "join_qr": qr_svg(
                join_url,
                label=_("QR code: join the challenge at %(link)s") % {"link": join_url},
                css_class="wall-qr-code",
            ),
        },
    )
    return _revalidate(response)


@kept_for_outages(version=_removals, fresh=gallery.gallery_copy_fresh)
@anonymous_page_cache
def gallery_detail(request, pk: int):
    entry = gallery.gallery_entry(pk=pk)
    if entry is None:
        raise Http404(_("This entry is not in the gallery."))
    return render_entry_page(request, entry)


def render_entry_page(request, entry, *, note_form=None, status=HTTPStatus.OK):
    """The entry's page, with its notes (a bound note form shows its errors)."""
    absolute_url = settings.SITE_URL + entry.get_absolute_url()
    if entry.is_demo:
        # The share card says it too: a preview in a chat shows no page notice.
        share_text = _(
            "Demo entry by @%(handle)s, showing how the #CreateKindness gallery works"
        ) % {"handle": entry.handle}
    else:
        share_text = _("A moment of kindness by @%(handle)s #CreateKindness") % {
            "handle": entry.handle
        }
    hearted = (
        request.user.is_authenticated
        and Heart.objects.filter(entry_id=entry.pk, user=request.user).exists()
    )
    more = [other for other in gallery.gallery_latest(limit=5) if other.pk != entry.pk]
    notes_page = notes.entry_notes_page(
        entry_id=entry.pk,
        viewer=request.user,
        cursor=request.GET.get("notes_after", ""),
        size=settings.NOTES_PAGE_SIZE,
    )
    access = notes.note_access(owner_id=entry.participant_id, user=request.user)
    if note_form is None and access.can_write:
        note_form = NoteForm(auto_id="note_%s")
    return render(
        request,
        "gallery/detail.html",
        _page_context(
            request,
            {
                "entry": entry,
                "caption_parts": gallery.caption_parts(entry.caption),
                "hearted": hearted,
                "absolute_url": absolute_url,
                "share_text": share_text,
                "share_card": entry_card_for(entry),
                "more": more[:4],
                "notes_page": notes_page,
                "note_access": access,
                "note_form": note_form,
            },
        ),
        status=status,
    )


@require_POST
def heart_toggle(request, pk: int):
    detail_url = reverse("gallery:detail", kwargs={"pk": pk})
    if not request.user.is_authenticated:
        login_url = reverse(settings.LOGIN_URL)
        if wants_json(request):
            return JsonResponse(
                {"login_url": f"{login_url}?{urlencode({'next': detail_url})}"},
                status=HTTPStatus.UNAUTHORIZED,
            )
        return redirect_to_login(detail_url)
    limited = limit_or_429(request, action="heart")
    if limited:
        return limited
    try:
        hearted, count = gallery_services.heart_toggle(entry_id=pk, user=request.user)
    except gallery_services.HeartRefused as error:
        raise Http404(str(error)) from error
    if wants_json(request):
        return JsonResponse(
            {
                "hearted": hearted,
                "count": count,
                "label": ngettext("%(count)s heart", "%(count)s hearts", count)
                % {"count": formats.number_format(count, force_grouping=True)},
            }
        )
    return redirect(detail_url)


def report_entry(request, pk: int):
    """GET: the report form (and a session to key the report on). POST: record it.

    One report per account or session per entry; a POST without a session (a
    script that never loaded the form) gets the form back instead."""
    entry = gallery.gallery_entry(pk=pk)
    if entry is None:
        raise Http404(_("This entry is not in the gallery."))
    context = {"entry": entry, "reasons": ReportReason.choices}
    if request.method == "POST":
        limited = limit_or_429(request, action="report")
        if limited:
            return limited
        reporter_key = reports.reporter_key_for(request)
        reason = request.POST.get("reason", "")
        text = clean_text(request.POST.get("text", ""), multiline=True)[:1000]
        if reporter_key is None or reason not in ReportReason.values:
            request.session["gallery_report_form"] = True
            context.update(
                error=_("Please choose a reason.") if reporter_key else "",
                chosen=reason,
                text=text,
            )
            return render(
                request,
                "gallery/report.html",
                context,
                status=HTTPStatus.BAD_REQUEST,
            )
        try:
            reports.report_create(
                entry_id=entry.pk,
                reporter_key=reporter_key,
                user=request.user,
                reason=reason,
                text=text,
            )
        except reports.ReportRefused as error:
            context["already"] = str(error)
        return render(request, "gallery/report_done.html", context)
    request.session["gallery_report_form"] = True  # makes sure a session exists
    return render(request, "gallery/report.html", context)


def _embed_csp() -> dict:
    ancestors = list(settings.EMBED_FRAME_ANCESTORS or ["'self'"])
    return {"frame-ancestors": ancestors}


@xframe_options_exempt
def gallery_embed(request):
    """A compact widget partner sites may frame (settings.EMBED_FRAME_ANCESTORS)."""
    from csp.decorators import csp_replace

    @csp_replace(_embed_csp())
    def render_embed(request):
        entries = gallery.gallery_latest(limit=8)
        response = render(
            request,
            "gallery/embed.html",
            {"entries": entries, "has_demo": any(e.is_demo for e in entries)},
        )
        patch_cache_control(response, public=True, max_age=60)
        return response

    return render_embed(request)
