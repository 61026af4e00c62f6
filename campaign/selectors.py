"""Reads for the campaign: the current campaign, the visitor's country, helplines."""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
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


SITE_SNAPSHOT_KEY = "campaign:site-snapshot:v1"
SITE_SNAPSHOT_SECONDS = 300


def site_snapshot() -> dict:
    """Campaigns and helplines, which every page shows (banner, phase), from the
    cache: a page costs no query for them. campaign/apps.py forgets the snapshot
    whenever staff save or delete one of them."""
    snapshot = cache.get(SITE_SNAPSHOT_KEY)
    if snapshot is None:
        snapshot = {
            "campaigns": list(Campaign.objects.all()),
            "helplines": list(Helpline.objects.all()),
        }
        cache.set(SITE_SNAPSHOT_KEY, snapshot, SITE_SNAPSHOT_SECONDS)
    return snapshot


def site_snapshot_forget(**kwargs) -> None:
    cache.delete(SITE_SNAPSHOT_KEY)
    # and again once the change is visible to other requests, which may have
    # cached the old rows in between
    transaction.on_commit(lambda: cache.delete(SITE_SNAPSHOT_KEY))


def campaign_current() -> Campaign | None:
    """The campaign the site is about: the live one, else the next, else the last."""
    campaigns = site_snapshot()["campaigns"]
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
    return sorted({line.country for line in site_snapshot()["helplines"]})


def helplines_for(country: str) -> list[Helpline]:
    return [line for line in site_snapshot()["helplines"] if line.country == country]


def helplines_grouped(first_country: str) -> list[tuple[str, list[Helpline]]]:
    """Every helpline, grouped by country, the visitor's country first."""
    lines = sorted(
        site_snapshot()["helplines"],
        key=lambda line: (
            line.country != first_country,
            line.country,
            line.order,
            line.name,
        ),
    )
    groups: dict[str, list[Helpline]] = {}
    for helpline in lines:
        groups.setdefault(helpline.country, []).append(helpline)
    return list(groups.items())


def programme_current() -> PartnerProgramme | None:
    return PartnerProgramme.objects.prefetch_related("partners").first()
