from django.conf import settings

from .selectors import (
    COUNTRY_NAMES,
    campaign_current,
    countries_with_helplines,
    helplines_for,
    visitor_country,
)


def site(request):
    country = visitor_country(request)
    return {
        "campaign": campaign_current(),
        "visitor_country": country,
        "country_choices": [
            (code, COUNTRY_NAMES.get(code, code)) for code in countries_with_helplines()
        ],
        "banner_helplines": list(helplines_for(country)[:2]),
        "banner_dismissed": request.COOKIES.get(settings.BANNER_COOKIE_NAME) == "1",
        "site_url": settings.SITE_URL,
    }
