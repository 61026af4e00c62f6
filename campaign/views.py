from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.operator import site_operator

from .selectors import (
    COUNTRY_COOKIE,
    COUNTRY_NAMES,
    countries_with_helplines,
    helplines_grouped,
    programme_current,
    visitor_country,
)

ONE_YEAR = 365 * 24 * 3600


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


def who_runs_this(request):
    """The legal notice (Impressum): who runs the site, from settings."""
    return render(request, "campaign/who_runs_this.html", {"operator": site_operator()})


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
