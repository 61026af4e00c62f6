"""The challenge pages in every campaign phase and language; the account pages' layout."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from campaign.models import Campaign
from tests.challenge.factories import make_participant


@pytest.mark.parametrize(
    "starts, ends, expected",
    [
        (-1, 10, "Send your video"),
        (2, 10, "Entries are not open yet"),
        (-10, -1, "Entries are closed"),
        (None, None, "have not been announced yet"),
    ],
    ids=["live", "upcoming", "ended", "none"],
)
def test_index_says_where_the_campaign_stands(client, db, starts, ends, expected):
    if starts is not None:
        now = timezone.now()
        Campaign.objects.create(
            name="c",
            starts_at=now + dt.timedelta(days=starts),
            ends_at=now + dt.timedelta(days=ends),
        )
    client.force_login(make_participant().user)
    response = client.get("/en/challenge/")
    assert response.status_code == HTTPStatus.OK
    assert expected in response.content.decode()


@pytest.mark.parametrize("lang", ["en", "it", "fr", "de"])
@pytest.mark.parametrize("page", ["", "rules/"])
def test_public_pages_render_in_every_language(client, campaign, lang, page):
    response = client.get(f"/{lang}/challenge/{page}")
    assert response.status_code == HTTPStatus.OK
    assert f'<html lang="{lang}">' in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/en/accounts/login/", "/en/accounts/signup/", "/en/accounts/password/reset/"],
)
def test_account_pages_use_the_site_layout(client, db, path):
    page = client.get(path).content.decode()
    assert 'class="site-header"' in page
    assert "account-page" in page
    assert 'class="form-card account-form"' in page
