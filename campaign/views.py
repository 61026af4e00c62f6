from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.countries import country_code
from core.operator import site_operator
from core.outage import kept_for_outages

from .selectors import (
    COUNTRY_COOKIE,
    helplines_by_country,
    helplines_in_full,
    programme_current,
    visitor_country,
    visitor_country_chosen,
)

ONE_YEAR = 365 * 24 * 3600


@kept_for_outages(anyone=True)
def help_page(request):
    country = visitor_country(request)
    return render(
        request,
        "campaign/help.html",
        {
            "country_chosen": bool(visitor_country_chosen(request)),
            "own_helplines": helplines_in_full(country),
            "other_groups": [
                group for group in helplines_by_country() if group[0] != country
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
    country = country_code(request.POST.get("country"))
    if country:
        country_cookie_set(response, country)
    return response


def country_cookie_set(response, country: str) -> None:
    """Remember the visitor's country for the helplines (no personal data: one of
    the codes in core/countries.py)."""
    response.set_cookie(
        COUNTRY_COOKIE, country, max_age=ONE_YEAR, samesite="Lax", httponly=True
    )


@require_POST
def dismiss_banner(request):
    response = _back(request)
    response.set_cookie(
        settings.BANNER_COOKIE_NAME, "1", max_age=ONE_YEAR, samesite="Lax"
    )
    return response
