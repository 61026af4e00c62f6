from http import HTTPStatus

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from challenge.selectors import campaign_figures, gallery_highlights
from stories.selectors import episodes_published

from .health import health_report
from .selectors import (
    COUNTRY_COOKIE,
    COUNTRY_NAMES,
    countries_with_helplines,
    helplines_grouped,
    programme_current,
    visitor_country,
)

ONE_YEAR = 365 * 24 * 3600


def home(request):
    return render(
        request,
        "campaign/home.html",
        {
            "episodes": episodes_published(),
            "highlights": gallery_highlights(limit=6),
            "figures": campaign_figures(),
        },
    )


def help_page(request):
    country = visitor_country(request)
    return render(
        request,
        "campaign/help.html",
        {
            "helpline_groups": [
                (code, COUNTRY_NAMES.get(code, code), lines)
                for code, lines in helplines_grouped(country)
            ],
        },
    )


def partners(request):
    return render(request, "campaign/partners.html", {"programme": programme_current()})


def _back(request, fallback="/"):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return HttpResponseRedirect(target)


@require_POST
def set_country(request):
    response = _back(request)
    country = request.POST.get("country", "").upper()
    if country in countries_with_helplines():
        response.set_cookie(
            COUNTRY_COOKIE, country, max_age=ONE_YEAR, samesite="Lax", httponly=True
        )
    return response


@require_POST
def dismiss_banner(request):
    response = _back(request)
    response.set_cookie(
        settings.BANNER_COOKIE_NAME, "1", max_age=ONE_YEAR, samesite="Lax"
    )
    return response


@never_cache
def healthz(request):
    report = health_report()
    status = HTTPStatus.OK if report["ok"] else HTTPStatus.SERVICE_UNAVAILABLE
    return JsonResponse(report, status=status)


def too_many_requests(request, exception=None):
    return render(request, "429.html", status=HTTPStatus.TOO_MANY_REQUESTS)
