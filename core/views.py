from http import HTTPStatus

from django.conf import settings
from django.http import (
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache

from . import outage
from .health import health_report


@never_cache
def healthz(request):
    report = health_report()
    status = HTTPStatus.OK if report["ok"] else HTTPStatus.SERVICE_UNAVAILABLE
    return JsonResponse(report, status=status)


def server_error(request):
    """The 500 page in the site's design and the visitor's language; if the page
    itself cannot be built (the database is down, say), a plain one that needs
    nothing but the template engine. The database being away is not a failure of
    the page: 503 with Retry-After (core/outage.py)."""
    if outage.database_error_now():
        return outage.database_unavailable(request)
    try:
        return render(request, "500.html", status=HTTPStatus.INTERNAL_SERVER_ERROR)
    except Exception:  # noqa: BLE001 - whatever broke the page may break this too
        return HttpResponseServerError(render_to_string("500_plain.html"))


def too_many_requests(request, exception=None):
    return render(request, "429.html", status=HTTPStatus.TOO_MANY_REQUESTS)


# Private pages (accounts, the admin, a participant's own pages, guardians' links)
# are kept out of search engines; the campaign, the stories and the gallery are not.
# The submit page is not listed: a crawler only ever reaches its log-in redirect, and
# a search result for "send your video" is welcome.
ROBOTS_DISALLOWED = (
    "admin/",
    "accounts/",
    "challenge/my-entries/",
    "challenge/entries/",
    "challenge/my-data/",
    "challenge/profile/",
    "challenge/guardian/",
    "challenge/notes/",
    "gallery/embed/",
)


def robots_txt(request):
    lines = ["User-agent: *"]
    for code, _name in settings.LANGUAGES:
        lines += [f"Disallow: /{code}/{path}" for path in ROBOTS_DISALLOWED]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
    patch_cache_control(response, public=True, max_age=3600)
    return response


def favicon(request):
    # Resolved per request: with the manifest storage the hashed name is only
    # known once collectstatic has run.
    return HttpResponsePermanentRedirect(static("img/heart.svg"))


def bench_ping(request):
    """The benchmark's ceiling: the cheapest response this stack can give."""
    return HttpResponse(b"ok", content_type="text/plain")
