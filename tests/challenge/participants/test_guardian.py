"""Guardian consent by email: confirm, refuse, expired, reused, re-sent."""

import datetime as dt
import re
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from challenge.errors import GuardianLinkError
from challenge.models import Entry, EntryEvent, GuardianConsent
from challenge.services.guardian import guardian_token
from tests.challenge.factories import entry_post_data, make_participant

S = Entry.State
SUBMIT = "/en/challenge/submit/"


@pytest.fixture
def minor_client(client, campaign):
    minor = make_participant(age=13, country="IT", language="it")
    client.force_login(minor.user)
    return client


@pytest.fixture
def draft(minor_client, upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        minor_client.post(
            SUBMIT, entry_post_data(upload(), guardian_email="parent@example.org")
        )
    return Entry.objects.get()


def link_from_mail(message) -> str:
    return re.search(r"http://\S+/guardian/\S+/", message.body).group(0)


def said_in_italian(code: str) -> str:
    """The guardian's page speaks the participant's language (Italian here)."""
    with translation.override("it"):
        return escape(str(GuardianLinkError.messages[code]))


def path_of(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_guardian_gets_an_email_in_the_participants_language(draft):
    assert draft.state == S.DRAFT
    # processing ran while waiting: the video is ready, the entry still a draft
    assert draft.video.status == "ready"
    (message,) = mail.outbox
    assert message.to == ["parent@example.org"]
    assert "/it/challenge/guardian/" in message.body
    assert draft.participant.handle in message.subject


def test_opening_the_link_decides_nothing(client, draft):
    url = path_of(link_from_mail(mail.outbox[0]))
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response["Referrer-Policy"] == "same-origin"
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_guardian_confirms_and_the_entry_goes_to_review(client, draft):
    url = path_of(link_from_mail(mail.outbox[0]))
    client.logout()
    response = client.post(url, {"decision": "confirm"})
    assert response.status_code == HTTPStatus.OK
    draft.refresh_from_db()
    assert draft.state == S.PENDING_REVIEW  # the video was already ready
    assert draft.submitted_at is not None
    consent = draft.guardian_consent
    assert consent.decision == GuardianConsent.Decision.CONFIRMED
    assert consent.decided_at is not None
    event = EntryEvent.objects.get(entry=draft, to_state=S.UPLOADED)
    assert event.reason == "guardian_confirmed"
    assert "parent@example.org" not in event.note  # never in the audit log


def test_confirm_before_processing_ends_waits_for_the_video(
    minor_client, upload, client
):
    # Without capturing on-commit callbacks, the video is never processed here.
    minor_client.post(
        SUBMIT, entry_post_data(upload(), guardian_email="parent@example.org")
    )
    entry = Entry.objects.get()
    consent = entry.guardian_consent
    client.logout()  # the guardian answers from their own browser
    client.post(
        reverse("challenge:guardian", kwargs={"token": guardian_token(consent)}),
        {"decision": "confirm"},
    )
    entry.refresh_from_db()
    assert entry.state == S.PROCESSING


def test_guardian_refuses_and_everything_is_deleted(
    client, draft, django_capture_on_commit_callbacks
):
    storage = draft.video.source.storage
    names = [n for n in (draft.video.source.name, draft.video.output.name) if n]
    url = path_of(link_from_mail(mail.outbox[0]))
    client.logout()  # the guardian answers from their own browser
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "refuse"})
    draft.refresh_from_db()
    assert draft.state == S.WITHDRAWN
    assert draft.caption == ""
    assert draft.guardian_consent.decision == GuardianConsent.Decision.REFUSED
    assert not any(storage.exists(name) for name in names)
    assert EntryEvent.objects.filter(entry=draft, reason="guardian_refused").exists()


def test_a_used_link_says_so(client, draft):
    url = path_of(link_from_mail(mail.outbox[0]))
    client.logout()  # the guardian answers from their own browser
    client.post(url, {"decision": "confirm"})
    for response in (client.get(url), client.post(url, {"decision": "refuse"})):
        assert response.status_code == HTTPStatus.GONE
        assert said_in_italian("used") in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == S.PENDING_REVIEW


def test_an_expired_link_says_so(client, draft, settings):
    url = path_of(link_from_mail(mail.outbox[0]))
    settings.GUARDIAN_LINK_MAX_AGE_DAYS = 0
    import time

    time.sleep(1.1)
    response = client.post(url, {"decision": "confirm"})
    assert response.status_code == HTTPStatus.GONE
    assert said_in_italian("expired") in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_a_tampered_link_is_invalid(client, draft):
    url = path_of(link_from_mail(mail.outbox[0]))
    response = client.get(url.replace(f"/{draft.guardian_consent.pk}.", "/999999."))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert said_in_italian("invalid") in response.content.decode()


def test_resending_replaces_the_old_link(minor_client, draft, client):
    GuardianConsent.objects.update(
        requested_at=draft.guardian_consent.requested_at - dt.timedelta(hours=1)
    )
    old_url = reverse(
        "challenge:guardian",
        kwargs={"token": guardian_token(GuardianConsent.objects.get())},
    )
    response = minor_client.post(
        reverse("challenge:guardian_resend", kwargs={"pk": draft.pk})
    )
    assert response.status_code == HTTPStatus.FOUND
    consent = GuardianConsent.objects.get()
    new_url = reverse("challenge:guardian", kwargs={"token": guardian_token(consent)})
    assert new_url != old_url
    assert "no longer valid" in client.get(old_url).content.decode()
    assert client.get(new_url).status_code == HTTPStatus.OK


def test_resending_too_soon_is_refused(minor_client, draft):
    response = minor_client.post(
        reverse("challenge:guardian_resend", kwargs={"pk": draft.pk}), follow=True
    )
    assert "wait" in response.content.decode().lower()


def test_a_link_for_a_withdrawn_entry_is_closed(minor_client, client, draft):
    url = path_of(link_from_mail(mail.outbox[0]))
    minor_client.post(reverse("challenge:withdraw", kwargs={"pk": draft.pk}))
    response = client.get(url)
    assert response.status_code == HTTPStatus.GONE
    assert said_in_italian("closed") in response.content.decode()
