"""A child cannot become their own guardian by logging out (issue 30, point 4).

The browser a participant under the age of digital consent signs in or uploads from
keeps a signed cookie naming them; their guardian's consent page refuses an answer
from it, logged in or not. The moderators see how every consent was given (when,
from which kind of device, flags for the participant's network, their browser trying
first, an answer within seconds), and a flagged consent is never approved in bulk. A
day after a "yes" the guardian is told again what they agreed to ("e-mail plus").
Each attack goes through HTTP, from the browsers the people involved would use.
"""

import datetime as dt
import re
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from challenge.devices import DeviceKind
from challenge.models import DeviceSighting, Entry, GuardianConsent, GuardianNotice
from challenge.services.devices import DEVICE_COOKIE
from challenge.services.guardian import guardian_link
from challenge.tasks import sweep_notices
from tests.challenge.factories import (
    PASSWORD,
    entry_post_data,
    make_participant,
    make_user,
)

S = Entry.State
SUBMIT = "/en/challenge/submit/"
HOME = "198.51.100.23"  # the family's home network (the child and often the parent)
ELSEWHERE = "203.0.113.80"  # the guardian's phone on mobile data, or their office
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
LAPTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/126.0 Safari/537.36"
)


@pytest.fixture
def minor(campaign):
    """13 in Italy: consent at 14, so every entry needs a guardian's "yes"."""
    return make_participant(age=13, country="IT", language="it")


@pytest.fixture
def moderator(db):
    return make_user(moderator=True)


def _browser(address=HOME, agent=LAPTOP) -> Client:
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)


def _upload(browser, child, upload, capture, guardian_email="parent@example.org"):
    """The child, signed in, sends an entry from `browser`; returns the entry and
    the consent page's path (from the guardian's mail)."""
    browser.force_login(child.user)
    with capture(execute=True):
        response = browser.post(
            SUBMIT, entry_post_data(upload(), guardian_email=guardian_email)
        )
    assert response.status_code == HTTPStatus.FOUND
    entry = Entry.objects.filter(participant=child).latest("pk")
    link = re.search(r"http://\S+/guardian/\S+/", mail.outbox[-1].body).group(0)
    return entry, urlsplit(link).path.replace("/it/", "/en/", 1)


def _log_out(browser) -> None:
    response = browser.post(reverse("account_logout"))
    assert response.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in browser.session


def _a_while_ago(entry, minutes=30) -> str:
    """The mail went a while before the guardian reads it: its link (the request
    time is signed into it) as it was sent then."""
    GuardianConsent.objects.filter(entry=entry).update(
        requested_at=timezone.now() - dt.timedelta(minutes=minutes)
    )
    link = guardian_link(GuardianConsent.objects.get(entry=entry))
    return urlsplit(link).path.replace("/it/", "/en/", 1)


def _bulk_approve(moderator, entry_ids):
    return moderator.post(
        reverse("admin:challenge_entry_changelist"),
        {"action": "approve_selected", "_selected_action": entry_ids},
        follow=True,
    )


# --- The child's browser, logged out, cannot answer -------------------------------


@pytest.mark.parametrize("decision", ["confirm", "refuse"])
def test_logging_out_does_not_turn_the_child_into_their_own_guardian(
    minor, upload, django_capture_on_commit_callbacks, decision
):
    browser = _browser()
    entry, consent_path = _upload(
        browser, minor, upload, django_capture_on_commit_callbacks
    )
    # The page refuses the signed-in child; the child logs out and tries again.
    assert browser.get(consent_path).status_code == HTTPStatus.OK
    _log_out(browser)
    assert DEVICE_COOKIE in browser.cookies  # logging out keeps it
    page = browser.get(consent_path).content.decode()
    assert 'value="confirm"' not in page
    assert "even after logging out" in page
    response = browser.post(consent_path, {"decision": decision})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "logging out does not change that" in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == S.DRAFT
    consent = entry.guardian_consent
    assert consent.decision == GuardianConsent.Decision.PENDING
    assert consent.participant_tried_at is not None  # noted for the moderators


def test_a_browser_the_child_only_signed_in_from_cannot_answer(
    minor, upload, django_capture_on_commit_callbacks
):
    """The entry was sent from the child's phone; the child signs in on the family
    laptop with their password, logs out, and answers there."""
    entry, consent_path = _upload(
        _browser(agent=IPHONE), minor, upload, django_capture_on_commit_callbacks
    )
    laptop = _browser()
    signed_in = laptop.post(
        reverse("account_login"), {"login": minor.user.email, "password": PASSWORD}
    )
    assert signed_in.status_code == HTTPStatus.FOUND
    assert laptop.session.get("_auth_user_id") == str(minor.user.pk)
    _log_out(laptop)
    response = laptop.post(consent_path, {"decision": "confirm"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    entry.refresh_from_db()
    assert entry.state == S.DRAFT


def test_the_device_cookie_is_signed_http_only_lax_and_long_lived(
    minor, upload, django_capture_on_commit_callbacks
):
    browser = _browser()
    entry, consent_path = _upload(
        browser, minor, upload, django_capture_on_commit_callbacks
    )
    cookie = browser.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert str(minor.pk) in cookie.value and ":" in cookie.value  # signed JSON
    # The child edits it to name nobody (or someone else): a bad signature is no
    # cookie at all, and the answer from this browser is then judged like any
    # other: allowed, but flagged (the participant's network, within seconds).
    _log_out(browser)
    browser.cookies[DEVICE_COOKIE] = cookie.value.replace(str(minor.pk), "999999")
    response = browser.post(consent_path, {"decision": "confirm"})
    assert response.status_code == HTTPStatus.OK
    consent = GuardianConsent.objects.get(entry=entry)
    assert consent.from_participant_network is True
    # An adult needs no guardian: their browser and network are not recorded.
    adult = make_participant(age=30, country="IT", language="it")
    adults_browser = _browser()
    adults_browser.force_login(adult.user)
    with django_capture_on_commit_callbacks(execute=True):
        adults_browser.post(SUBMIT, entry_post_data(upload()))
    assert Entry.objects.filter(participant=adult).exists()
    assert DEVICE_COOKIE not in adults_browser.cookies
    assert not DeviceSighting.objects.filter(participant=adult).exists()


def test_a_siblings_account_on_the_family_computer_does_not_block_the_parent(
    minor, upload, django_capture_on_commit_callbacks
):
    """Two children share the family computer; the parent answers for one of them
    on it. The cookie names only the sibling there: the answer is taken."""
    sibling = make_participant(age=12, country="IT", language="it")
    family_computer = _browser()
    _upload(family_computer, sibling, upload, django_capture_on_commit_callbacks)
    _log_out(family_computer)
    entry, consent_path = _upload(
        _browser(agent=IPHONE), minor, upload, django_capture_on_commit_callbacks
    )
    response = family_computer.post(consent_path, {"decision": "confirm"})
    assert response.status_code == HTTPStatus.OK
    entry.refresh_from_db()
    assert entry.state != S.DRAFT
    consent = entry.guardian_consent
    assert consent.decision == GuardianConsent.Decision.CONFIRMED
    assert consent.answered_device == "computer"
    # Same home network as the child: a flag for the moderators, never a refusal.
    assert consent.from_participant_network is True


# --- The moderators see how consent was given; flagged ones one at a time ---------


def test_a_flagged_consent_cannot_be_approved_in_bulk(
    minor, upload, django_capture_on_commit_callbacks, moderator
):
    """The child answers from a fresh browser (cookies cleared) at home seconds
    after the mail; a moderator selects it with a clean one and approves both."""
    childs_phone = _browser(agent=IPHONE)
    flagged, flagged_path = _upload(
        childs_phone, minor, upload, django_capture_on_commit_callbacks
    )
    childs_phone.cookies.clear()  # a private window: no session, no device cookie
    with django_capture_on_commit_callbacks(execute=True):
        answer = childs_phone.post(flagged_path, {"decision": "confirm"})
    assert answer.status_code == HTTPStatus.OK

    clean, clean_path = _upload(
        _browser(agent=IPHONE), minor, upload, django_capture_on_commit_callbacks
    )
    clean_path = _a_while_ago(clean)
    with django_capture_on_commit_callbacks(execute=True):
        _browser(ELSEWHERE, IPHONE).post(clean_path, {"decision": "confirm"})

    for entry in (flagged, clean):
        entry.refresh_from_db()
        assert entry.state == S.PENDING_REVIEW

    desk = Client()
    desk.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        page = _bulk_approve(desk, [flagged.pk, clean.pk]).content.decode()
    assert "flagged guardian consent and was not approved" in page
    flagged.refresh_from_db()
    clean.refresh_from_db()
    assert flagged.state == S.PENDING_REVIEW
    assert clean.state == S.APPROVED

    # The review page says why; on its own, a moderator may still approve it.
    review = desk.get(reverse("admin:challenge_entry_change", args=[flagged.pk]))
    text = review.content.decode()
    assert "Consent flagged" in text
    assert "Answered within seconds of the request" in text
    assert "Answered from a network the participant logged in or uploaded from" in text
    assert "phone" in text
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("admin:challenge_entry_decide", args=[flagged.pk]),
            {"decision": "approve", "seen_state": S.PENDING_REVIEW},
        )
    flagged.refresh_from_db()
    assert flagged.state == S.APPROVED


def test_the_desk_shows_when_and_from_what_consent_was_given(
    minor, upload, django_capture_on_commit_callbacks, moderator
):
    browser = _browser()
    entry, consent_path = _upload(
        browser, minor, upload, django_capture_on_commit_callbacks
    )
    _log_out(browser)
    browser.post(consent_path, {"decision": "confirm"})  # refused, but noted
    consent_path = _a_while_ago(entry, minutes=90)
    with django_capture_on_commit_callbacks(execute=True):
        _browser(ELSEWHERE, IPHONE).post(consent_path, {"decision": "confirm"})
    desk = Client()
    desk.force_login(moderator)
    page = (
        desk.get(reverse("admin:challenge_entry_desk_entry", args=[entry.pk]))
        .content.decode()
        .replace("\xa0", " ")  # timesince's non-breaking spaces
    )
    assert "Guardian&#x27;s consent" in page or "Guardian's consent" in page
    assert "Asked" in page and "Answered" in page
    assert "1 hour, 30 minutes after the mail" in page
    assert "phone" in page
    assert 'data-consent-flag="device"' in page
    assert 'data-consent-flag="network"' not in page  # another network
    assert 'data-consent-flag="quick"' not in page
    # The consent page's flag holds the bulk approval back too.
    with django_capture_on_commit_callbacks(execute=True):
        _bulk_approve(desk, [entry.pk])
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW


# --- "E-mail plus": a day later, the guardian is told again ----------------------


def test_a_day_after_yes_the_guardian_is_told_what_they_agreed_to(
    minor, upload, django_capture_on_commit_callbacks
):
    """The guardian said yes to two entries; the child withdrew one since. A day
    later the guardian hears once about the one still standing."""
    childs_phone = _browser(agent=IPHONE)
    withdrawn, withdrawn_path = _upload(
        childs_phone, minor, upload, django_capture_on_commit_callbacks
    )
    entry, consent_path = _upload(
        childs_phone, minor, upload, django_capture_on_commit_callbacks
    )
    guardian = _browser(ELSEWHERE, IPHONE)
    with django_capture_on_commit_callbacks(execute=True):
        guardian.post(_a_while_ago(withdrawn), {"decision": "confirm"})
        guardian.post(_a_while_ago(entry), {"decision": "confirm"})
        childs_phone.post(reverse("challenge:withdraw", args=[withdrawn.pk]))
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_notices()
    assert len(mail.outbox) == sent  # not yet: a day later

    GuardianConsent.objects.update(decided_at=timezone.now() - dt.timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        sweep_notices()
        sweep_notices()  # twice: still one mail
    follow_ups = mail.outbox[sent:]
    assert len(follow_ups) == 1
    message = follow_ups[0]
    assert message.to == ["parent@example.org"]
    assert entry.caption in message.body
    with translation.override("it"):  # the participant's language
        assert f": {DeviceKind.PHONE.label}\n" in message.body
    revoke = re.search(r"http://\S+/guardian/revoke/\S+/", message.body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(urlsplit(revoke).path).status_code == HTTPStatus.OK
    entry.refresh_from_db()
    assert entry.state == S.WITHDRAWN
    assert GuardianNotice.objects.filter(kind=GuardianNotice.Kind.FOLLOW_UP).count()


# --- What is kept, and for how long ----------------------------------------------


def test_no_address_is_kept_and_the_hashes_follow_the_consents_retention(
    minor, upload, django_capture_on_commit_callbacks, settings
):
    settings.RETENTION_CONSENT_DAYS = 365
    browser = _browser()
    entry, consent_path = _upload(
        browser, minor, upload, django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        _browser(ELSEWHERE).post(consent_path, {"decision": "confirm"})
    consent = GuardianConsent.objects.get(entry=entry)
    sighting = DeviceSighting.objects.get(participant=minor)
    stored = " ".join(
        [consent.answered_network, sighting.network_hash, sighting.device_id]
    )
    for address in (HOME, ELSEWHERE, "198.51.100", "203.0.113"):
        assert address not in stored
    assert consent.answered_network and sighting.network_hash

    # A year after the entry left the gallery (withdrawn): both go.
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("challenge:withdraw", args=[entry.pk]))
    long_ago = timezone.now() - dt.timedelta(days=366)
    Entry.objects.filter(pk=entry.pk).update(state_changed_at=long_ago)
    DeviceSighting.objects.update(last_seen=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115
    consent.refresh_from_db()
    assert consent.answered_network == ""
    assert not DeviceSighting.objects.exists()


def test_the_notes_consent_cannot_be_given_from_the_childs_browser_either(
    minor, django_capture_on_commit_callbacks
):
    """The same hole on the notes' consent: the child asks for notes, signs in on
    the family laptop with their password, logs out and agrees there."""
    from challenge.models import NoteSettings

    laptop = _browser()
    signed_in = laptop.post(
        reverse("account_login"), {"login": minor.user.email, "password": PASSWORD}
    )
    assert signed_in.status_code == HTTPStatus.FOUND
    with django_capture_on_commit_callbacks(execute=True):
        laptop.post(
            reverse("challenge:notes_settings"),
            {"open": "1", "words": "", "guardian_email": "parent@example.org"},
        )
    link = re.search(r"http://\S+/notes/guardian/\S+/", mail.outbox[-1].body).group(0)
    _log_out(laptop)

    response = laptop.post(urlsplit(link).path, {"decision": "confirm"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "logging out does not change that" in response.content.decode()
    assert NoteSettings.objects.get(participant=minor).guardian_confirmed_at is None
    parent = _browser(address="198.51.100.23", agent=IPHONE)
    assert parent.post(urlsplit(link).path, {"decision": "confirm"}).status_code == (
        HTTPStatus.OK
    )
    assert NoteSettings.objects.get(participant=minor).guardian_confirmed_at is not None
