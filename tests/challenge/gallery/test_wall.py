"""The wall's way to join: a QR code drawn on the server and a short link that
picks the visitor's language."""

from http import HTTPStatus

import pytest

from tests.challenge.gallery.helpers import LIST


@pytest.mark.django_db
def test_the_wall_carries_an_inline_qr_code_and_the_short_link(client, settings):
    settings.SITE_URL = "https://kindness.example"
    page = client.get(LIST, {"wall": "1"}).content.decode()
    qr = page.split('<div class="wall-qr" data-wall-qr>', 1)[1].split("</div>", 1)[0]
    assert qr.startswith('<svg role="img" aria-label="QR code: join the challenge')
    assert "https://kindness.example/join" in qr and 'viewBox="' in qr
    assert "<script" not in qr and "style=" not in qr and "<img" not in qr
    assert "<strong data-join-link>kindness.example/join</strong>" in page


@pytest.mark.parametrize(
    ("asks", "lands"),
    [
        ("it-IT,it;q=0.9", "/it/challenge/"),
        ("de", "/de/challenge/"),
        ("", "/en/challenge/"),
    ],
)
def test_the_short_link_opens_the_challenge_in_the_visitors_language(
    client, db, asks, lands
):
    headers = {"HTTP_ACCEPT_LANGUAGE": asks} if asks else {}
    response = client.get("/join", **headers)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == lands
    assert "Accept-Language" in response["Vary"]


def test_a_language_chosen_on_the_site_wins(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.get("/join", HTTP_ACCEPT_LANGUAGE="de")
    assert response["Location"] == "/fr/challenge/"
