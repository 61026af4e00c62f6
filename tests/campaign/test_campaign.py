import datetime as dt
from http import HTTPStatus

import pytest
from django.conf import settings
from django.utils import timezone

from campaign.demo import load_campaign
from campaign.models import Campaign, Helpline
from campaign.selectors import COUNTRY_COOKIE, campaign_current
from config.celery import app as celery_app
from tests.conftest import reset_broker_pools

NOW = timezone.now()
DAY = dt.timedelta(days=1)


@pytest.fixture
def demo(db):
    load_campaign()


@pytest.mark.parametrize(
    ("starts", "ends", "phase"),
    [
        (NOW + DAY, NOW + 30 * DAY, "upcoming"),
        (NOW - DAY, NOW + DAY, "live"),
        (NOW - 30 * DAY, NOW - DAY, "ended"),
    ],
)
def test_campaign_phase_follows_its_window(starts, ends, phase):
    campaign = Campaign(name="x", starts_at=starts, ends_at=ends)
    assert campaign.phase(now=NOW) == phase
    assert campaign.is_live is (phase == "live")


@pytest.mark.parametrize(
    ("starts", "ends", "text"),
    [
        (NOW + DAY, NOW + 30 * DAY, "Entries open on"),
        (NOW - DAY, NOW + DAY, "Entries are open until"),
        (NOW - 30 * DAY, NOW - DAY, "The challenge closed on"),
    ],
)
def test_home_page_says_which_phase_the_campaign_is_in(client, db, starts, ends, text):
    Campaign.objects.create(name="#CreateKindness", starts_at=starts, ends_at=ends)
    response = client.get("/en/")
    assert text in response.content.decode()


def test_live_campaign_is_preferred_over_ended_and_upcoming(db):
    Campaign.objects.create(
        name="old", starts_at=NOW - 90 * DAY, ends_at=NOW - 60 * DAY
    )
    live = Campaign.objects.create(name="now", starts_at=NOW - DAY, ends_at=NOW + DAY)
    Campaign.objects.create(
        name="next", starts_at=NOW + 9 * DAY, ends_at=NOW + 20 * DAY
    )
    assert campaign_current() == live


@pytest.mark.parametrize(
    ("lang", "header", "number"),
    [
        ("fr", "fr-FR,fr;q=0.9", "3018"),
        ("de", "de-DE,de;q=0.9", "116 111"),
        ("it", "it-IT,it;q=0.9", "19696"),
        ("en", "en-GB,en;q=0.9", "0800 1111"),
    ],
)
def test_banner_shows_the_helpline_of_the_visitors_country(
    client, demo, lang, header, number
):
    page = client.get(f"/{lang}/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    banner = page.split('id="awareness-banner"')[1].split("</aside>")[0]
    assert number in banner


def test_france_shows_3018_and_119_before_other_countries(client, demo):
    page = client.get("/fr/help/", HTTP_ACCEPT_LANGUAGE="fr-FR").content.decode()
    assert "3018" in page and "Allô enfance en danger" in page
    assert page.index("3018") < page.index("Nummer gegen Kummer")


def test_country_chooser_overrides_the_language_guess(client, demo):
    response = client.post("/en/country/", {"country": "DE", "next": "/en/help/"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/en/help/"
    assert client.cookies[COUNTRY_COOKIE].value == "DE"
    page = client.get("/en/help/").content.decode()
    assert page.index("Nummer gegen Kummer") < page.index("Childline")


def test_country_chooser_ignores_unknown_countries_and_foreign_redirects(client, demo):
    response = client.post(
        "/en/country/", {"country": "XX", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert COUNTRY_COOKIE not in response.cookies


def test_banner_can_be_dismissed_and_stays_dismissed(client, demo):
    assert 'id="awareness-banner"' in client.get("/en/").content.decode()
    response = client.post("/en/banner/dismiss/", {"next": "/en/help/"})
    assert response["Location"] == "/en/help/"
    assert client.cookies[settings.BANNER_COOKIE_NAME].value == "1"
    assert 'id="awareness-banner"' not in client.get("/en/").content.decode()


def test_demo_content_is_idempotent(db):
    load_campaign()
    counts = (Campaign.objects.count(), Helpline.objects.count())
    load_campaign()
    assert (Campaign.objects.count(), Helpline.objects.count()) == counts
    assert (
        Helpline.objects.filter(country="FR", number__in=["3018", "119"]).count() == 2
    )


@pytest.mark.parametrize("lang", ["en", "it", "fr", "de"])
def test_pages_link_their_translations_with_hreflang(client, demo, lang):
    page = client.get(f"/{lang}/help/").content.decode()
    for other in ["en", "it", "fr", "de"]:
        assert f'hreflang="{other}" href="{settings.SITE_URL}/{other}/help/"' in page


def test_health_answers_503_when_the_broker_is_down(client, db):
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    reset_broker_pools()
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = previous
        reset_broker_pools()
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_health_answers_503_when_storage_is_not_writable(
    client, db, settings, tmp_path
):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(locked / "nope" / "deeper")},
        },
    }
    (locked / "nope").touch()  # a file where a folder should be: saving must fail
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["checks"]["storage"]["ok"] is False


def test_banner_and_phase_cost_no_query_once_cached(
    client, demo, django_assert_num_queries
):
    client.get("/en/help/")  # fills the snapshot
    with django_assert_num_queries(0):
        client.get("/en/help/")


def test_a_helpline_saved_by_staff_shows_at_once(client, demo):
    client.cookies[COUNTRY_COOKIE] = "FR"
    client.get("/fr/")  # cached snapshot
    line = Helpline.objects.get(country="FR", number="3018")
    line.number = "3018 (new)"
    line.save()
    assert "3018 (new)" in client.get("/fr/").content.decode()
