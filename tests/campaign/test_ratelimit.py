from http import HTTPStatus

import pytest


@pytest.mark.parametrize("lang", ["en", "de"])
def test_admin_login_is_rate_limited_with_a_friendly_page(client, db, lang):
    answers = [
        client.post(
            f"/{lang}/admin/login/", {"username": "admin", "password": f"guess-{n}"}
        ).status_code
        for n in range(6)
    ]
    assert answers[:5] == [HTTPStatus.OK] * 5  # the form again, with an error
    assert answers[5] == HTTPStatus.TOO_MANY_REQUESTS
    page = client.post(f"/{lang}/admin/login/", {"username": "admin", "password": "b"})
    assert page.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert f'<html lang="{lang}">' in page.content.decode()
    assert "awareness-banner" in page.content.decode()


def test_reading_the_admin_login_page_is_never_limited(client, db):
    for _ in range(15):
        assert client.get("/en/admin/login/").status_code == HTTPStatus.OK


def test_allauth_login_stops_guessing_after_five_failures(client, db):
    pages = [
        client.post(
            "/en/accounts/login/", {"login": "nobody@example.org", "password": f"x{n}"}
        ).content.decode()
        for n in range(6)
    ]
    assert all("Too many failed login attempts" not in page for page in pages[:5])
    assert "Too many failed login attempts" in pages[5]


def test_allauth_login_answers_429_past_its_per_address_limit(client, db):
    statuses = {
        client.post(
            "/en/accounts/login/", {"login": f"user{n}@example.org", "password": "x"}
        ).status_code
        for n in range(31)
    }
    assert HTTPStatus.TOO_MANY_REQUESTS in statuses
