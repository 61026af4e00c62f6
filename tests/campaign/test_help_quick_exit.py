"""The help page's quick exit, and helpline names that never repeat their number."""

import re
from http import HTTPStatus
from pathlib import Path

import pytest

from campaign import demo
from campaign.models import Helpline

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_help_page_has_a_quick_exit_link_and_its_script(client):
    html = client.get("/en/help/").content.decode()
    link = re.search(r"<a [^>]*data-quick-exit[^>]*>", html).group(0)
    href = re.search(r'href="([^"]+)"', link).group(1)
    assert href.startswith("https://") and "kindness" not in href  # a neutral site
    assert 'rel="noreferrer"' in link
    assert "Quick exit" in html
    assert re.search(r'<script src="[^"]*js/site\.js"', html)
    # No inline script: the CSP forbids them.
    assert not re.search(
        r"<script(?![^>]*\bsrc=)[^>]*>\s*[^<\s]",
        html.replace('<script type="application/ld+json">', ""),
    )


def test_the_quick_exit_script_replaces_the_history_entry():
    """The browser journeys are in tests/e2e/test_quick_exit.py."""
    script = (BASE_DIR / "static" / "js" / "site.js").read_text()
    assert "location.replace(" in script
    assert "location.href =" not in script and "location.assign" not in script


def test_the_country_form_on_the_help_page_takes_the_pages_place(client):
    html = client.get("/en/help/").content.decode()
    form = re.search(r'<form [^>]*class="country-form"[^>]*>', html).group(0)
    assert "data-replace-history" in form


@pytest.mark.parametrize(
    ("name", "number", "shown"),
    [
        ("3018", "3018", ""),
        ("Non au harcèlement – 3020", "3020", "Non au harcèlement"),
        ("Childline", "0800 1111", "Childline"),
        ("988 Suicide & Crisis Lifeline", "988", "Suicide & Crisis Lifeline"),
        ("StopBullying.gov", "", "StopBullying.gov"),
        ("Childline (ISPCC)", "1800 66 66 66", "Childline (ISPCC)"),
        ("Pro Juventute 147", "147", "Pro Juventute"),
    ],
)
def test_a_helpline_name_never_repeats_its_number(name, number, shown):
    assert Helpline(name=name, number=number).name_beside_number == shown


@pytest.mark.parametrize("language", ["fr", "en", "it", "de"])
def test_the_banner_never_shows_a_number_as_its_own_name(client, language):
    demo.load_campaign()
    for country in ("FR", "US", "IT", "DE", "GB"):
        client.cookies["kh_country"] = country
        html = client.get(f"/{language}/help/").content.decode()
        banner = html.split('id="awareness-banner"')[1].split("</aside>")[0]
        assert banner.count('class="banner-helpline"') >= 1
        # the banner shows the country's first two lines
        for line in Helpline.objects.filter(country=country).order_by("order")[:2]:
            if line.number:
                assert f"{line.number}: " not in banner
                assert f"{line.number}</a>" in banner


def test_the_page_answers(client):
    assert client.get("/de/help/").status_code == HTTPStatus.OK
