"""Age rules by country (challenge/ages.py)."""

import datetime as dt

import pytest

from challenge.ages import Eligibility, age_in_years, consent_age, eligibility

TODAY = dt.date(2026, 6, 15)
TOO_YOUNG, GUARDIAN, OWN = (
    Eligibility.TOO_YOUNG,
    Eligibility.NEEDS_GUARDIAN,
    Eligibility.ADULT_CONSENT,
)


def born(age: int) -> dict:
    """Birth month/year that makes someone exactly `age` on TODAY (born in May)."""
    return {"birth_year": TODAY.year - age, "birth_month": 5}


@pytest.mark.parametrize(
    "country, age, expected",
    [
        ("FR", 12, TOO_YOUNG),
        ("FR", 13, GUARDIAN),
        ("FR", 14, GUARDIAN),
        ("FR", 15, OWN),
        ("IT", 13, GUARDIAN),
        ("IT", 14, OWN),
        ("DE", 13, GUARDIAN),
        ("DE", 15, GUARDIAN),
        ("DE", 16, OWN),
        ("GB", 12, TOO_YOUNG),
        ("GB", 13, OWN),
        ("ES", 13, GUARDIAN),
        ("ES", 14, OWN),
        ("NL", 15, GUARDIAN),
        ("ZZ", 15, GUARDIAN),
        ("ZZ", 16, OWN),
        ("US", 13, OWN),
        ("", 15, GUARDIAN),
        ("fr", 15, OWN),
        ("IT", 40, OWN),
    ],
)
def test_eligibility_by_country_and_age(country, age, expected):
    assert eligibility(**born(age), country=country, today=TODAY) == expected


@pytest.mark.parametrize(
    "country, age", [("FR", 15), ("IT", 14), ("DE", 16), ("GB", 13), ("XX", 16)]
)
def test_consent_ages_follow_gdpr_article_8(country, age):
    assert consent_age(country) == age


@pytest.mark.parametrize(
    "birth_month, expected",
    [(5, 13), (6, 12), (7, 12)],
    ids=["birthday-last-month", "birthday-this-month", "birthday-next-month"],
)
def test_birth_month_counts_as_not_yet_reached(birth_month, expected):
    # Born in 2013; on 15 June 2026 someone born in June may not be 13 yet.
    assert age_in_years(2013, birth_month, TODAY) == expected
