from django.conf import settings

from core.countries import countries_sorted, country_name

from .selectors import (
    HELPLINE_DIRECTORY_URL,
    campaign_current,
    helplines_for,
    visitor_country,
)


def site(request):
    country = visitor_country(request)
    return {
        "campaign": campaign_current(),
        "visitor_country": country,
        "visitor_country_name": country_name(country),
        "country_choices": countries_sorted(),
        "banner_helplines": helplines_for(country)[:2],
        "helpline_directory_url": HELPLINE_DIRECTORY_URL,
        "banner_dismissed": request.COOKIES.get(settings.BANNER_COOKIE_NAME) == "1",
        "site_url": settings.SITE_URL,
    }
