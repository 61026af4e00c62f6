"""Hearts: with and without JavaScript, for logged-in visitors only, rate limited."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import Entry, Heart
from tests.challenge.factories import (
    make_entry,
    make_user,
)
from tests.challenge.gallery.helpers import LIST, detail_url, listed_ids

pytestmark = pytest.mark.django_db
S = Entry.State


def test_heart_toggles_without_javascript(client):
    entry = make_entry(state=S.APPROVED)
    user = make_user()
    client.force_login(user)
    url = reverse("gallery:heart", kwargs={"pk": entry.pk})
    response = client.post(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == detail_url(entry)
    entry.refresh_from_db()
    assert entry.heart_count == 1
    page = client.get(detail_url(entry)).content.decode()
    assert 'aria-pressed="true"' in page
    client.post(url)
    entry.refresh_from_db()
    assert entry.heart_count == 0
    assert not Heart.objects.exists()


def test_heart_toggles_with_javascript(client):
    entry = make_entry(state=S.APPROVED, heart_count=0)
    client.force_login(make_user())
    url = reverse("gallery:heart", kwargs={"pk": entry.pk})
    data = client.post(url, headers={"accept": "application/json"}).json()
    assert (data["hearted"], data["count"]) == (True, 1)
    data = client.post(url, headers={"accept": "application/json"}).json()
    assert (data["hearted"], data["count"]) == (False, 0)


def test_hearts_move_the_list_and_invalidate_its_cache(client, committed):
    first = make_entry(state=S.APPROVED, heart_count=0)
    second = make_entry(state=S.APPROVED, heart_count=0)
    assert listed_ids(client.get(LIST, {"sort": "hearts"})) == [second.pk, first.pk]
    client.force_login(make_user())
    with committed():
        client.post(reverse("gallery:heart", kwargs={"pk": first.pk}))
    assert listed_ids(client.get(LIST, {"sort": "hearts"})) == [first.pk, second.pk]


def test_anonymous_visitors_are_asked_to_log_in(client):
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:heart", kwargs={"pk": entry.pk})
    response = client.post(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
    assert response["Location"].endswith(f"?next={detail_url(entry)}")
    response = client.post(url, headers={"accept": "application/json"})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["login_url"].startswith(reverse("account_login"))
    assert not Heart.objects.exists()


def test_a_pending_entry_cannot_be_hearted(client):
    entry = make_entry()
    client.force_login(make_user())
    response = client.post(reverse("gallery:heart", kwargs={"pk": entry.pk}))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not Heart.objects.exists()


def test_hearts_are_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "heart": "3/m/user"}
    entry = make_entry(state=S.APPROVED)
    client.force_login(make_user())
    url = reverse("gallery:heart", kwargs={"pk": entry.pk})
    statuses = [client.post(url).status_code for _ in range(4)]
    assert statuses == [HTTPStatus.FOUND] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
    assert "slow down" in client.post(url).content.decode().lower()


def test_a_visitor_is_told_in_place_why_hearts_need_an_account(client):
    """No bare log-in page: the visitor's heart opens an explanation with sign-up
    and log-in links that come back to the entry (a <details>, no JavaScript)."""
    entry = make_entry(state=S.APPROVED)
    page = client.get(detail_url(entry)).content.decode()
    assert 'class="heart-why"' in page
    assert "Hearts need an account" in page
    back = f"?next={detail_url(entry)}"
    assert f'href="{reverse("account_signup")}{back}"' in page
    assert f'href="{reverse("account_login")}{back}"' in page
    assert "data-heart-form" not in page  # no form that can only fail
    client.force_login(make_user())
    page = client.get(detail_url(entry)).content.decode()
    assert "data-heart-form" in page and "heart-why" not in page
