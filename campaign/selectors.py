"""Reads for the campaign: the current campaign, the visitor's country, helplines."""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from core.countries import OTHER_COUNTRY, collation_key, country_code, country_name

from .models import Campaign, Helpline, PartnerProgramme

COUNTRY_COOKIE = "kh_country"
# The country whose helplines we show when the visitor has not chosen one and their
# browser names no country we know (see docs/decisions.md, "Helplines").
COUNTRY_BY_LANGUAGE = {"en": "GB", "it": "IT", "fr": "FR", "de": "DE"}
# Where a visitor whose country has no helpline we could check is sent: Child
# Helpline International's directory of its members, never another country's line.
HELPLINE_DIRECTORY_URL = "https://childhelplineinternational.org/helplines/"


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


def visitor_country_chosen(request) -> str:
    """The country the visitor picked in the chooser, if the cookie holds a country
    we know; anything else in it (forged, stale, hostile text) counts as no choice."""
    return country_code(request.COOKIES.get(COUNTRY_COOKIE, ""))


def visitor_country_guessed(request) -> str:
    """No choice yet: the first region the browser names for the page's language
    ("de-CH" on a German page is Switzerland, "fr-BE" on a French one Belgium), else
    the page language's usual country. A region of another language ("en-US" on a
    German page) is not taken: the page language says more about the visitor."""
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for tag, _quality in parse_accept_lang_header(header[:500]):
        parts = tag.replace("_", "-").split("-")
        if len(parts) >= 2 and parts[0] == language and len(parts[-1]) == 2:
            code = country_code(parts[-1])
            if code and code != OTHER_COUNTRY:
                return code
    return COUNTRY_BY_LANGUAGE.get(language, "GB")


def visitor_country(request) -> str:
    return visitor_country_chosen(request) or visitor_country_guessed(request)


def helplines_for(country: str) -> list[Helpline]:
    """The country's own lines, in order; [] for a country without any (the page
    then shows the directory), never another country's."""
    return [line for line in site_snapshot()["helplines"] if line.country == country]


def helplines_by_country(first: str = "") -> list[tuple[str, str, list[Helpline]]]:
    """(code, translated name, lines) for every country that has lines, sorted by
    name in the active language, `first` at the top. From the snapshot: the number
    of queries does not grow with the number of countries."""
    groups: dict[str, list[Helpline]] = {}
    for line in sorted(
        site_snapshot()["helplines"], key=lambda line: (line.order, line.name)
    ):
        groups.setdefault(line.country, []).append(line)
    return sorted(
        ((code, country_name(code) or code, lines) for code, lines in groups.items()),
        key=lambda group: (group[0] != first, collation_key(group[1])),
    )


def programme_current() -> PartnerProgramme | None:
    return PartnerProgramme.objects.prefetch_related("partners").first()
