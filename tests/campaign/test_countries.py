"""One list of countries, translated and sorted in the visitor's language, shared by
sign-up and the helpline chooser."""

import pytest
from django.utils import translation

from challenge.ages import DIGITAL_CONSENT_AGE
from challenge.forms import ProfileForm
from core.countries import (
    COUNTRY_CODES,
    OTHER_COUNTRY,
    collation_key,
    countries_sorted,
    country_code,
    country_name,
)


def test_sign_up_knows_an_age_rule_for_every_country_and_no_other():
    assert set(DIGITAL_CONSENT_AGE) == COUNTRY_CODES - {OTHER_COUNTRY}


@pytest.mark.parametrize("lang", ["en", "it", "fr", "de"])
def test_names_are_sorted_in_the_visitors_language_another_country_last(lang):
    choices = countries_sorted(lang)
    names = [name for _code, name in choices[:-1]]
    assert names == sorted(names, key=collation_key)
    assert choices[-1][0] == OTHER_COUNTRY
    assert {code for code, _name in choices} == COUNTRY_CODES


@pytest.mark.parametrize(
    ("lang", "first", "before", "after"),
    [
        ("en", "Austria", "Norway", "Poland"),
        ("de", "Belgien", "Norwegen", "Österreich"),
        ("fr", "Allemagne", "Espagne", "Estonie"),
        ("it", "Austria", "Norvegia", "Paesi Bassi"),
    ],
)
def test_each_language_has_its_own_order(lang, first, before, after):
    names = [name for _code, name in countries_sorted(lang)]
    assert names[0] == first
    assert names.index(before) < names.index(after)


def test_an_umlaut_sorts_with_its_vowel():
    names = [name for _code, name in countries_sorted("de")]
    assert names.index("Norwegen") < names.index("Österreich") < names.index("Polen")


@pytest.mark.parametrize("lang", ["en", "it", "fr", "de"])
def test_sign_up_and_the_helpline_chooser_offer_the_same_list(client, db, lang):
    with translation.override(lang):
        form_choices = [(c, str(n)) for c, n in ProfileForm().fields["country"].choices]
        assert form_choices[1:] == countries_sorted()
    page = client.get(f"/{lang}/help/").content.decode()
    chooser = page.split('id="country-select"')[1].split("</select>")[0]
    codes = [code for code, _name in countries_sorted(lang)]
    assert [c for c in codes if f'value="{c}"' in chooser] == codes
    positions = [chooser.index(f'value="{code}"') for code in codes]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("value", "code"),
    [("ch", "CH"), (" AT ", "AT"), ("XX", ""), (None, ""), ("<b>", ""), ("zz", "ZZ")],
)
def test_country_code_takes_only_known_codes(value, code):
    assert country_code(value) == code


def test_an_unknown_code_has_no_name():
    with translation.override("de"):
        assert country_name("CH") == "Schweiz"
        assert country_name("XX") == ""
