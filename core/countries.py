"""The countries the site knows: the one list sign-up and the helpline chooser share.

Names go through gettext (the catalogues already hold them) and are sorted in the
visitor's language, ignoring accents and case, so "Österreich" sorts with the Os.
"Another country" (OTHER_COUNTRY) always comes last.
"""

import unicodedata

from django.utils import translation
from django.utils.translation import gettext_lazy as _

OTHER_COUNTRY = "ZZ"

COUNTRY_NAMES = {
    "AT": _("Austria"),
    "BE": _("Belgium"),
    "BG": _("Bulgaria"),
    "HR": _("Croatia"),
    "CY": _("Cyprus"),
    "CZ": _("Czechia"),
    "DK": _("Denmark"),
    "EE": _("Estonia"),
    "FI": _("Finland"),
    "FR": _("France"),
    "DE": _("Germany"),
    "GR": _("Greece"),
    "HU": _("Hungary"),
    "IE": _("Ireland"),
    "IT": _("Italy"),
    "LV": _("Latvia"),
    "LT": _("Lithuania"),
    "LU": _("Luxembourg"),
    "MT": _("Malta"),
    "NL": _("Netherlands"),
    "NO": _("Norway"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "RO": _("Romania"),
    "SK": _("Slovakia"),
    "SI": _("Slovenia"),
    "ES": _("Spain"),
    "SE": _("Sweden"),
    "CH": _("Switzerland"),
    "GB": _("United Kingdom"),
    "US": _("United States"),
    OTHER_COUNTRY: _("Another country"),
}

COUNTRY_CODES = frozenset(COUNTRY_NAMES)


def country_code(value) -> str:
    """A known code from untrusted input (a cookie, a form, a header), else ""."""
    code = str(value or "").strip().upper()
    return code if code in COUNTRY_CODES else ""


def country_name(code: str) -> str:
    """The country's name in the active language; "" for a code we do not know."""
    name = COUNTRY_NAMES.get(country_code(code))
    return str(name) if name is not None else ""


def collation_key(text: str) -> str:
    """Accents and case set aside: "Österreich" sorts between "Norwegen" and
    "Polen", "Émirats" with the Es."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def countries_sorted(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) for every known country, sorted by name in `language` (the
    active one by default), with "Another country" last."""
    with translation.override(language or translation.get_language()):
        named = [
            (code, str(name))
            for code, name in COUNTRY_NAMES.items()
            if code != OTHER_COUNTRY
        ]
        named.sort(key=lambda item: (collation_key(item[1]), item[1]))
        return [*named, (OTHER_COUNTRY, str(COUNTRY_NAMES[OTHER_COUNTRY]))]
