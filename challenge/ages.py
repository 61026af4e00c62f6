"""Who may take part, by age and country: the one place these rules live.

- Under MINIMUM_AGE nobody takes part, whatever the country.
- Under the country's age of digital consent (GDPR Art. 8, as each country set it)
  a parent or guardian must confirm each entry by email before it is submitted.

We ask for the month and year of birth only. Without the day, a participant born in
the current month might not have had their birthday yet: we count them as the
younger age (the safe side for a minor).
"""

import datetime as dt
from enum import StrEnum

from django.utils import timezone

from core import countries

MINIMUM_AGE = 13
DEFAULT_CONSENT_AGE = 16
# A minor is anyone under 18, whatever their country's age of digital consent: their
# entries are reviewed with care and first. Consent is a separate fact
# (needs_guardian), which stops at the consent age.
ADULT_AGE = 18

# GDPR Art. 8(1): 16 unless a member state set a lower age (not below 13).
# Where no law sets such an age, the value is this site's choice, and the rules page
# says so (SITE_CHOSEN_AGE).
DIGITAL_CONSENT_AGE: dict[str, int] = {
    "AT": 14,
    "BE": 13,
    "BG": 14,
    "CH": 16,  # no fixed age in Swiss law: the site applies the GDPR's default
    "CY": 14,
    "CZ": 15,
    "DE": 16,
    "DK": 13,
    "EE": 13,
    "ES": 14,
    "FI": 13,
    "FR": 15,
    "GB": 13,
    "GR": 15,
    "HR": 16,
    "HU": 16,
    "IE": 16,
    "IT": 14,
    "LT": 14,
    "LU": 16,
    "LV": 13,
    "MT": 13,
    "NL": 16,
    "NO": 13,
    "PL": 16,
    "PT": 13,
    "RO": 16,
    "SE": 13,
    "SI": 15,
    "SK": 16,
    "US": 13,
}

# Countries whose law sets no age of digital consent: the age above is the one this
# site applies (the GDPR's default, the safe side for a minor), not the law's.
SITE_CHOSEN_AGE = frozenset({"CH"})

# The countries themselves (codes, translated names, their order) live in
# core/countries.py, shared with the helpline chooser; every code above is one of
# them (tests/challenge/participants/test_ages.py checks it).
OTHER_COUNTRY = countries.OTHER_COUNTRY


def country_choices() -> list[tuple[str, str]]:
    """Sign-up's countries in the visitor's language, sorted by name."""
    return countries.countries_sorted()


class Eligibility(StrEnum):
    TOO_YOUNG = "too_young"
    NEEDS_GUARDIAN = "needs_guardian"
    ADULT_CONSENT = "own_consent"


def consent_age(country: str) -> int:
    return DIGITAL_CONSENT_AGE.get((country or "").upper(), DEFAULT_CONSENT_AGE)


def age_in_years(
    birth_year: int, birth_month: int, today: dt.date | None = None
) -> int:
    """Completed years, counting the birth month itself as not yet reached."""
    today = today or timezone.localdate()
    age = today.year - birth_year
    if today.month <= birth_month:
        age -= 1
    return age


def eligibility(
    *, birth_year: int, birth_month: int, country: str, today: dt.date | None = None
) -> Eligibility:
    age = age_in_years(birth_year, birth_month, today)
    if age < MINIMUM_AGE:
        return Eligibility.TOO_YOUNG
    if age < consent_age(country):
        return Eligibility.NEEDS_GUARDIAN
    return Eligibility.ADULT_CONSENT


def is_under_18(participant, today: dt.date | None = None) -> bool:
    """A minor for moderation (careful review, priority, filters, labels): under
    ADULT_AGE, counted the safe way like every age here. Checked at each submission."""
    return (
        age_in_years(participant.birth_year, participant.birth_month, today) < ADULT_AGE
    )


def needs_guardian(participant, today: dt.date | None = None) -> bool:
    """Participants grow up: checked at each submission, not stored."""
    return (
        eligibility(
            birth_year=participant.birth_year,
            birth_month=participant.birth_month,
            country=participant.country,
            today=today,
        )
        != Eligibility.ADULT_CONSENT
    )
