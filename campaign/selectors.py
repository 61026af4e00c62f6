"""Reads for the campaign: the current campaign, the visitor's country, helplines."""

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When
from django.utils import translation

from .models import Campaign, Helpline, PartnerProgramme

COUNTRY_COOKIE = "kh_country"
# The country whose helplines we show first when the visitor has not chosen one.
# English-speaking visitors default to the UK (see docs/decisions.md).
COUNTRY_BY_LANGUAGE = {"en": "GB", "it": "IT", "fr": "FR", "de": "DE"}
COUNTRY_NAMES = {
    "FR": "France",
    "DE": "Deutschland",
    "IT": "Italia",
    "GB": "United Kingdom",
    "US": "United States",
}


def campaign_current() -> Campaign | None:
    """The campaign the site is about: the live one, else the next, else the last."""
    campaigns = list(Campaign.objects.all())
    for phase in (Campaign.Phase.LIVE, Campaign.Phase.UPCOMING):
        matching = [c for c in campaigns if c.phase() == phase]
        if matching:
            return min(matching, key=lambda c: c.starts_at)
    return campaigns[0] if campaigns else None


def visitor_country(request) -> str:
    chosen = request.COOKIES.get(COUNTRY_COOKIE, "").upper()
    if chosen in countries_with_helplines():
        return chosen
    language = translation.get_language() or settings.LANGUAGE_CODE
    return COUNTRY_BY_LANGUAGE.get(language[:2], "GB")


def countries_with_helplines() -> list[str]:
    return sorted(set(Helpline.objects.values_list("country", flat=True)))


def helplines_for(country: str):
    return Helpline.objects.filter(country=country)


def helplines_grouped(first_country: str) -> list[tuple[str, list[Helpline]]]:
    """Every helpline, grouped by country, the visitor's country first."""
    helplines = Helpline.objects.annotate(
        mine=Case(
            When(country=first_country, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("mine", "country", "order", "name")
    groups: dict[str, list[Helpline]] = {}
    for helpline in helplines:
        groups.setdefault(helpline.country, []).append(helpline)
    return list(groups.items())


def programme_current() -> PartnerProgramme | None:
    return PartnerProgramme.objects.prefetch_related("partners").first()
