from http import HTTPStatus

import pytest

from campaign.demo import load_campaign

LANGUAGES = ["en", "it", "fr", "de"]


@pytest.fixture
def demo(db):
    load_campaign()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page", ["", "help/", "partners/"])
def test_campaign_pages_render_in_every_language(client, demo, lang, page):
    response = client.get(f"/{lang}/{page}")
    assert response.status_code == HTTPStatus.OK
    assert f'<html lang="{lang}">' in response.content.decode()


def test_health_reports_every_dependency(client, db):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert set(response.json()["checks"]) == {"database", "broker", "cache", "storage"}
