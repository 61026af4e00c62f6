"""The who-runs-this page (Impressum): who runs the site, from settings, linked
from every page's footer and every mail."""

import json
from http import HTTPStatus
from pathlib import Path

import polib
import pytest
from django.core import mail
from django.utils import translation

pytestmark = pytest.mark.django_db

OPERATOR = {
    "SITE_OPERATOR_NAME": "Friends of Kindness e.V.",
    "SITE_OPERATOR_ADDRESS": "Kindstraße 1, 10115 Berlin",
    "SITE_CONTACT_EMAIL": "hello@friends.example",
    "SITE_PRIVACY_EMAIL": "dpo@friends.example",
    "SITE_DATA_CONTROLLER": "Friends of Kindness e.V., Vorstand",
}
TITLE = "Who runs this site (legal notice)"
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def operator(settings):
    for name, value in OPERATOR.items():
        setattr(settings, name, value)


@pytest.mark.parametrize("language", ["en", "it", "fr", "de"])
def test_the_page_shows_the_operator_in_every_language(client, operator, language):
    response = client.get(f"/{language}/about/who-runs-this/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for value in OPERATOR.values():
        assert value in html
    with translation.override(language):
        title = translation.gettext(TITLE)
    assert title in html.split("<h1>")[1].split("</h1>")[0]


def test_in_german_the_page_is_called_impressum():
    """From the catalogue once merged, from the pending strings until then."""
    po = polib.pofile(str(BASE_DIR / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    entry = po.find(TITLE)
    if entry is None or not entry.msgstr:
        pending = json.loads(
            (BASE_DIR / "locale" / "pending" / "honest.json").read_text()
        )
        entry = next(e for e in pending if e["msgid"] == TITLE)
        assert entry["de"] == "Impressum"
    else:
        assert entry.msgstr == "Impressum"


def test_the_data_controller_defaults_to_a_demo_value():
    from django.conf import settings

    assert settings.SITE_DATA_CONTROLLER


def test_every_page_links_it_in_the_footer(client):
    for path in ("/en/", "/de/help/", "/fr/partners/"):
        html = client.get(path).content.decode()
        footer = html.split('<footer class="site-footer">')[1]
        assert "/about/who-runs-this/" in footer


def test_allauths_mails_link_it(client, operator, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    password = "a long kind passphrase 42"
    response = client.post(
        "/de/accounts/signup/",
        {"email": "kid@example.org", "password1": password, "password2": password},
    )
    assert response.status_code == HTTPStatus.FOUND
    (message,) = mail.outbox
    assert settings.SITE_URL + "/de/about/who-runs-this/" in message.body
    assert "Friends of Kindness e.V." in message.body
    assert "dpo@friends.example" in message.body
