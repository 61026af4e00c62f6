"""Issue "trust boundary", point 3: the age gate remembers.

A child turned away as under 13 tries again, as a child would: the same browser with
a new account and another birth year, or the same mailbox (another spelling of it) from
another browser. Both are refused for AGE_GATE_MEMORY_DAYS; nothing but a keyed hash
of the mailbox is kept.
"""

import datetime as dt
import hashlib
from http import HTTPStatus

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from challenge.models import AgeGateRefusal, Participant
from tests.challenge.factories import birth_for_age, make_participant, make_user

PROFILE = "/en/challenge/profile/"


def _profile(client, *, age: int, handle: str):
    year, month = birth_for_age(age)
    return client.post(
        PROFILE,
        {"handle": handle, "birth_year": year, "birth_month": month, "country": "FR"},
    )


def _refused_at_12(email: str) -> Client:
    browser = Client()
    browser.force_login(make_user(email=email))
    page = _profile(browser, age=12, handle="first_try").content.decode()
    assert "Thank you for wanting to spread kindness" in page
    return browser


def test_the_same_browser_cannot_try_again_with_another_birth_year(db):
    browser = _refused_at_12("kid@example.org")
    second = make_user(email="another.one@example.org")
    browser.force_login(second)
    response = _profile(browser, age=16, handle="second_try")
    assert response.status_code == HTTPStatus.OK
    assert "Thank you for wanting" in response.content.decode()
    assert not Participant.objects.exists()
    assert not get_user_model().objects.filter(pk=second.pk).exists()
    # Even opening the form again shows the refusal, not the form.
    browser.force_login(make_user(email="third.try@example.org"))
    page = browser.get(PROFILE).content.decode()
    assert "Thank you for wanting" in page and 'name="birth_year"' not in page


def test_the_same_mailbox_cannot_try_again_from_another_browser(db):
    _refused_at_12("Kid.Name@gmail.com")
    elsewhere = Client()
    elsewhere.force_login(make_user(email="kidname+again@googlemail.com"))
    response = _profile(elsewhere, age=16, handle="second_try")
    assert "Thank you for wanting" in response.content.decode()
    assert not Participant.objects.exists()


def test_someone_else_on_another_browser_is_not_affected(db):
    _refused_at_12("kid@example.org")
    other = Client()
    other.force_login(make_user(email="big.sister@example.org"))
    assert _profile(other, age=16, handle="big_sister").status_code == (
        HTTPStatus.FOUND
    )
    assert Participant.objects.filter(handle="big_sister").exists()


def test_only_a_keyed_hash_of_the_mailbox_is_kept(db):
    _refused_at_12("kid@example.org")
    stored = AgeGateRefusal.objects.get().mailbox_hash
    assert "kid" not in stored and "@" not in stored
    assert stored != hashlib.sha256(b"kid@example.org").hexdigest()  # keyed


def test_the_gate_forgets_after_the_memory_period(db, settings):
    _refused_at_12("kid@example.org")
    AgeGateRefusal.objects.update(
        refused_at=timezone.now() - dt.timedelta(days=settings.AGE_GATE_MEMORY_DAYS + 1)
    )
    later = Client()  # a cookie would have expired by now too
    later.force_login(make_user(email="kid@example.org"))
    assert _profile(later, age=13, handle="now_thirteen").status_code == (
        HTTPStatus.FOUND
    )
    from challenge.services.privacy import retention_sweep

    assert retention_sweep()["age_gate_refusals"] == 1
    assert not AgeGateRefusal.objects.exists()


def test_the_refusal_page_does_not_invite_a_retry(db):
    browser = Client()
    browser.force_login(make_user())
    page = _profile(browser, age=12, handle="first_try").content.decode()
    assert "sign up again" not in page
    assert "wrong date" not in page


def test_a_birth_date_cannot_be_changed_after_the_profile_is_made(client, db):
    participant = make_participant(age=16, handle="kind_one")
    client.force_login(participant.user)
    year, month = birth_for_age(25)
    client.post(
        PROFILE,
        {"handle": "kind_one", "birth_year": year, "birth_month": month},
    )
    participant.refresh_from_db()
    assert (participant.birth_year, participant.birth_month) == birth_for_age(16)
