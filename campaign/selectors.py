"""Reads for the campaign: the current campaign, the visitor's country, helplines."""

from django.core.cache import cache
from django.db import transaction
from django.utils.translation.trans_real import parse_accept_lang_header

from core.countries import OTHER_COUNTRY, collation_key, country_code, country_name

from .models import Campaign, Helpline, PartnerProgramme

COUNTRY_COOKIE = "kh_country"
# Set on the request once its country has been looked up: the page then depends on
# the cookie and Accept-Language, and campaign/middleware.py says so in Vary.
VISITOR_COUNTRY_ATTRIBUTE = "_kh_visitor_country"
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


def browser_region(accept_language: str) -> str:
    """The region of the browser's most preferred language tag that names one,
    upper case ("CH" for "de-CH,de;q=0.9", "419" for "es-419"); "" if no tag does.

    Only that first region counts: a later one is not where the visitor is but a
    language they also read (browsers add "en-US" after the visitor's own)."""
    for tag, quality in parse_accept_lang_header(accept_language[:500]):
        if quality > 0:
            region = _tag_region(tag)
            if region:
                return region
    return ""


def _tag_region(tag: str) -> str:
    # BCP 47: language, then maybe an extended language (3 letters) and a script
    # (4 letters), then the region (2 letters or 3 digits); anything else (a
    # variant, an extension, "x-" private use) means the tag names no region.
    language, *subtags = tag.replace("_", "-").split("-")
    if len(language) < 2:
        return ""
    for subtag in subtags:
        if not subtag.isascii():
            return ""
        if (len(subtag) == 2 and subtag.isalpha()) or (
            len(subtag) == 3 and subtag.isdigit()
        ):
            return subtag.upper()
        if not (len(subtag) in (3, 4) and subtag.isalpha()):
            return ""
    return ""


def visitor_country_guessed(request) -> str:
    """No choice yet: the country the browser names in its first region, if the
    site knows it ("de-CH" is Switzerland, "es-ES,es;q=0.9,en;q=0.8" Spain); else
    "" and the page offers Child Helpline International's directory and the
    chooser. Never a guess from the language alone: English is spoken in
    Australia and India, French in Canada and Senegal, and a child there must
    not be given the UK's or France's number (docs/decisions.md, "Helplines")."""
    code = country_code(browser_region(request.META.get("HTTP_ACCEPT_LANGUAGE", "")))
    return "" if code == OTHER_COUNTRY else code


def visitor_country(request) -> str:
    """The chosen country, else the one the browser names, else "" (none known).
    Looked up once a request; the page then varies on both (campaign/middleware.py)."""
    country = getattr(request, VISITOR_COUNTRY_ATTRIBUTE, None)
    if country is None:
        country = visitor_country_chosen(request) or visitor_country_guessed(request)
        setattr(request, VISITOR_COUNTRY_ATTRIBUTE, country)
    return country


def helplines_in_full(country: str) -> list[Helpline]:
    """Every line of the country, in order, for the help page's cards, which show
    each line's description with it; [] for a country without any (the page then
    shows the directory), never another country's."""
    return [line for line in site_snapshot()["helplines"] if line.country == country]


def helplines_for(country: str) -> list[Helpline]:
    """The country's lines for the short lists (the banner, an episode page, a
    mail, other countries on the help page), which show a name and a number only:
    a line that must not be shown without its description (the 3020, whose
    description says to call the 3018) is left out."""
    return [line for line in helplines_in_full(country) if line.in_short_lists]


def helplines_by_country(first: str = "") -> list[tuple[str, str, list[Helpline]]]:
    """(code, translated name, short-list lines) for every country that has lines, sorted by
    name in the active language, `first` at the top. From the snapshot: the number
    of queries does not grow with the number of countries."""
    groups: dict[str, list[Helpline]] = {}
    lines = [line for line in site_snapshot()["helplines"] if line.in_short_lists]
    for line in sorted(lines, key=lambda line: (line.order, line.name)):
        groups.setdefault(line.country, []).append(line)
    return sorted(
        ((code, country_name(code) or code, lines) for code, lines in groups.items()),
        key=lambda group: (group[0] != first, collation_key(group[1])),
    )


def programme_current() -> PartnerProgramme | None:
    return PartnerProgramme.objects.prefetch_related("partners").first()
