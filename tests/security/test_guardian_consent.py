"""Guardian consent that a child cannot give themselves: each attack through HTTP.

A participant under their country's age of digital consent needs a parent or
guardian to confirm each entry by email. These tests play the child trying to answer
in the guardian's place, and the guardian who needs to see, and later undo, what they
agreed to.
"""

import datetime as dt
import io
import re
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from challenge.models import Entry, GuardianConsent
from tests.challenge.factories import entry_post_data, make_participant

S = Entry.State
SUBMIT = "/en/challenge/submit/"


@pytest.fixture
def minor(campaign):
    """13 in Italy (consent at 14), with a Gmail address and a second one."""
    child = make_participant(age=13, country="IT", language="it")
    user = child.user
    user.email = "Kid.Name@gmail.com"
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).update(email=user.email)
    EmailAddress.objects.create(
        user=user, email="kid-second@example.org", verified=False, primary=False
    )
    return child


# --- 1. The guardian's address is not the child's own mailbox ----------------------


@pytest.mark.parametrize(
    "disguise",
    [
        "kid.name@gmail.com",  # case
        "KID.NAME+mum@gmail.com",  # +tag
        "kidname@gmail.com",  # dots Gmail ignores
        "k.i.d.n.a.m.e+parent@googlemail.com",  # googlemail.com is gmail.com
        "Kid-Second+guardian@Example.org",  # a second address of the account
    ],
)
def test_child_cannot_give_their_own_mailbox_as_the_guardians(
    client, minor, upload, disguise, django_capture_on_commit_callbacks
):
    client.force_login(minor.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            SUBMIT, entry_post_data(upload(), guardian_email=disguise)
        )
    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].errors["guardian_email"]
    assert "your own mailbox" in errors[0]
    assert not Entry.objects.exists()
    assert not GuardianConsent.objects.exists()
    assert mail.outbox == []


def test_a_real_guardian_address_is_accepted(
    client, minor, upload, django_capture_on_commit_callbacks
):
    client.force_login(minor.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            SUBMIT, entry_post_data(upload(), guardian_email="kid.parent@gmail.com")
        )
    assert Entry.objects.get().state == S.DRAFT
    assert [m.to for m in mail.outbox] == [["kid.parent@gmail.com"]]


# --- Shared steps ------------------------------------------------------------------


def _submit(client, child, upload, capture, guardian_email="parent@example.org"):
    """The child sends an entry (its video processed at once) and the guardian is
    mailed; returns the entry and the consent page's path."""
    client.force_login(child.user)
    with capture(execute=True):
        client.post(SUBMIT, entry_post_data(upload(), guardian_email=guardian_email))
    entry = Entry.objects.filter(participant=child).latest("pk")
    return entry, _path(_link(mail.outbox[-1], "/guardian/"))


def _link(message, part: str) -> str:
    return re.search(rf"http://\S+{part}\S+/", message.body).group(0)


def _path(link: str) -> str:
    return urlsplit(link).path


def _mails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


@pytest.fixture
def draft(client, minor, upload, django_capture_on_commit_callbacks):
    return _submit(client, minor, upload, django_capture_on_commit_callbacks)


def _moderator_client():
    user = get_user_model().objects.create_user(
        username="moderator-on-duty", password="x-unused-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Moderators"))
    moderator = Client()
    moderator.force_login(user)
    return moderator


def _confirm_as_guardian(consent_path, capture):
    guardian = Client()
    with capture(execute=True):
        response = guardian.post(consent_path, {"decision": "confirm"})
    assert response.status_code == HTTPStatus.OK
    return guardian


def in_english(path: str) -> str:
    return path.replace("/it/", "/en/", 1)


# --- 2. The child's own session cannot answer; the guardian sees what they agree to --


@pytest.mark.parametrize("decision", ["confirm", "refuse"])
def test_the_childs_own_session_cannot_answer_for_the_guardian(client, draft, decision):
    entry, consent_path = draft
    consent_path = in_english(consent_path)  # the link is in Italian
    assert client.get(consent_path).status_code == HTTPStatus.OK  # still logged in
    response = client.post(consent_path, {"decision": decision})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "must come from a parent or guardian" in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    entry.refresh_from_db()
    assert entry.state == S.DRAFT
    consent = entry.guardian_consent
    assert consent.decision == GuardianConsent.Decision.PENDING
    assert consent.decided_at is None
    assert not entry.events.exclude(to_state=S.DRAFT).exists()


def test_the_childs_session_sees_no_answer_buttons(client, draft):
    entry, consent_path = draft
    consent_path = in_english(consent_path)  # the link is in Italian
    page = client.get(consent_path).content.decode()
    assert 'value="confirm"' not in page
    assert f"logged in as @{entry.participant.handle}" in page


@override_settings(
    SITE_OPERATOR_NAME="Friends of Kindness e.V.",
    SITE_OPERATOR_ADDRESS="Kindstraße 1, 10115 Berlin",
    SITE_CONTACT_EMAIL="hello@friends.example",
    SITE_PRIVACY_EMAIL="dpo@friends.example",
)
def test_the_guardian_sees_the_video_caption_handle_where_and_who(draft):
    entry, consent_path = draft
    consent_path = in_english(consent_path)  # the link is in Italian
    guardian = Client()
    response = guardian.get(consent_path)
    assert response.status_code == HTTPStatus.OK
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    page = response.content.decode()
    assert "<script>" not in page and " style=" not in page
    assert escape(entry.caption) in page
    assert f"@{entry.participant.handle}" in page
    for where in ("public gallery", "news feed", "share its link"):
        assert where in page
    for who in (
        "Friends of Kindness e.V.",
        "Kindstraße 1, 10115 Berlin",
        "mailto:hello@friends.example",
        "mailto:dpo@friends.example",
    ):
        assert who in page
    # The video itself, playable through a URL that only this link opens.
    video_src = re.search(r'<video[^>]* src="([^"]+)"', page).group(1)
    poster_src = re.search(r'<video[^>]* poster="([^"]+)"', page).group(1)
    token = consent_path.rstrip("/").rsplit("/", 1)[1]
    assert token in video_src and token in poster_src
    video = guardian.get(video_src, HTTP_RANGE="bytes=0-99")
    assert video.status_code == HTTPStatus.PARTIAL_CONTENT
    assert video["Content-Type"] == "video/mp4"
    assert "no-store" in video["Cache-Control"]
    assert "private" in video["Cache-Control"]
    assert b"ftyp" in b"".join(video.streaming_content)
    poster = guardian.get(poster_src)
    assert poster.status_code == HTTPStatus.OK
    assert poster["Content-Type"] == "image/webp"
    assert "no-store" in poster["Cache-Control"]
    # The ordinary media URL stays closed: the entry is not public.
    assert guardian.get(entry.video.video_url).status_code == HTTPStatus.NOT_FOUND


def test_the_media_url_opens_only_for_a_live_consent_link(
    client, draft, minor, upload, django_capture_on_commit_callbacks, settings
):
    entry, consent_path = draft
    video_path = consent_path + "video.mp4"
    stranger = Client()
    assert stranger.get(video_path).status_code == HTTPStatus.OK
    # a forged token, and another consent's token shape with a bad signature
    token = consent_path.rstrip("/").rsplit("/", 1)[1]
    forged = video_path.replace(
        token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    )
    assert stranger.get(forged).status_code == HTTPStatus.NOT_FOUND
    # a revoke link's token never opens consent media
    from challenge.services.guardian import revoke_token

    GuardianConsent.objects.filter(pk=entry.guardian_consent.pk).update(
        decision=GuardianConsent.Decision.CONFIRMED
    )
    revoke = revoke_token(entry.guardian_consent)
    assert (
        stranger.get(video_path.replace(token, revoke)).status_code
        == HTTPStatus.NOT_FOUND
    )
    GuardianConsent.objects.filter(pk=entry.guardian_consent.pk).update(
        decision=GuardianConsent.Decision.PENDING
    )
    # an expired link
    settings.GUARDIAN_LINK_MAX_AGE_DAYS = -1
    assert stranger.get(video_path).status_code == HTTPStatus.NOT_FOUND
    settings.GUARDIAN_LINK_MAX_AGE_DAYS = 7
    # a used link: the guardian answered
    _confirm_as_guardian(consent_path, django_capture_on_commit_callbacks)
    assert stranger.get(video_path).status_code == HTTPStatus.NOT_FOUND
    assert (
        stranger.get(consent_path + "poster.webp").status_code == HTTPStatus.NOT_FOUND
    )


# --- 3. A standing revoke link, and word when the entry is published ----------------


def test_every_guardian_mail_says_who_runs_the_site(
    client, minor, upload, settings, django_capture_on_commit_callbacks
):
    settings.SITE_OPERATOR_NAME = "Friends of Kindness e.V."
    settings.SITE_CONTACT_EMAIL = "hello@friends.example"
    entry, consent_path = _submit(
        client, minor, upload, django_capture_on_commit_callbacks
    )
    _confirm_as_guardian(consent_path, django_capture_on_commit_callbacks)
    request, confirmed = _mails_to("parent@example.org")
    for message in (request, confirmed):
        assert "Friends of Kindness e.V." in message.body
        assert "hello@friends.example" in message.body
        assert "/it/about/who-runs-this/" in message.body


def test_the_guardian_withdraws_a_published_entry_with_the_standing_link(
    draft, django_capture_on_commit_callbacks
):
    entry, consent_path = draft
    _confirm_as_guardian(consent_path, django_capture_on_commit_callbacks)
    request, confirmed = _mails_to("parent@example.org")
    revoke_path = _path(_link(confirmed, "/guardian/revoke/"))
    assert revoke_path.startswith("/it/")  # the participant's language
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW

    # A moderator approves it in the admin: the guardian is told, once.
    moderator = _moderator_client()
    decide = reverse("admin:challenge_entry_decide", args=[entry.pk])
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(decide, {"decision": "approve"})
    entry.refresh_from_db()
    assert entry.state == S.APPROVED
    *_, published = _mails_to("parent@example.org")
    assert f"/it/gallery/{entry.pk}/" in published.body
    assert revoke_path in published.body
    public_video = Client().get(entry.video.video_url)
    assert public_video.status_code == HTTPStatus.OK

    # Anyone holding the link, no account: one click shows, one button withdraws.
    guardian = Client()
    page = guardian.get(revoke_path)
    assert page.status_code == HTTPStatus.OK
    assert page["Referrer-Policy"] == "same-origin"
    entry.refresh_from_db()
    assert entry.state == S.APPROVED  # a GET (a mail scanner) changes nothing
    storage = entry.video.output.storage
    # the original upload is already gone (deleted once processed)
    names = [
        n
        for n in (
            entry.video.source.name,
            entry.video.output.name,
            entry.video.poster.name,
        )
        if n
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = guardian.post(revoke_path)
    assert response.status_code == HTTPStatus.OK
    entry.refresh_from_db()
    assert entry.state == S.WITHDRAWN
    assert entry.caption == ""
    assert entry.events.filter(reason="guardian_revoked").count() == 1
    assert not any(storage.exists(name) for name in names)
    assert Client().get(f"/en/gallery/{entry.pk}/").status_code == HTTPStatus.NOT_FOUND

    # Idempotent, and the link stays valid.
    again = guardian.post(revoke_path)
    assert again.status_code == HTTPStatus.OK
    assert guardian.get(revoke_path).status_code == HTTPStatus.OK
    assert entry.events.filter(to_state=S.WITHDRAWN).count() == 1


def test_the_published_mail_is_sent_once(draft, django_capture_on_commit_callbacks):
    from challenge.models import GuardianNotice
    from challenge.tasks import send_guardian_notice

    entry, consent_path = draft
    _confirm_as_guardian(consent_path, django_capture_on_commit_callbacks)
    moderator = _moderator_client()
    decide = reverse("admin:challenge_entry_decide", args=[entry.pk])
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(decide, {"decision": "approve"})
        moderator.post(decide, {"decision": "approve"})
    notice = GuardianNotice.objects.get(kind=GuardianNotice.Kind.PUBLISHED)
    send_guardian_notice.delay(notice.pk)  # a duplicate delivery of the task
    published = [
        m for m in _mails_to("parent@example.org") if f"/gallery/{entry.pk}/" in m.body
    ]
    assert len(published) == 1


def test_a_revoke_link_cannot_be_forged_or_made_from_a_consent_link(draft):
    from challenge.services.guardian import revoke_token

    entry, consent_path = draft
    token = consent_path.rstrip("/").rsplit("/", 1)[1]
    stranger = Client()
    for bad in (token, f"{entry.guardian_consent.pk}:forged", "1"):
        url = reverse("challenge:guardian_revoke", kwargs={"token": bad})
        assert stranger.post(url).status_code == HTTPStatus.NOT_FOUND
    # not before a "yes" either: a pending consent has no revoke link
    url = reverse(
        "challenge:guardian_revoke",
        kwargs={"token": revoke_token(entry.guardian_consent)},
    )
    assert stranger.post(url).status_code == HTTPStatus.NOT_FOUND
    entry.refresh_from_db()
    assert entry.state == S.DRAFT


# --- 4. A guardian who never answers: the entry does not wait for ever --------------


def test_an_unanswered_entry_is_purged_after_the_wait(
    client, minor, upload, settings, django_capture_on_commit_callbacks
):
    settings.GUARDIAN_WAIT_DAYS = 14
    old, old_path = _submit(client, minor, upload, django_capture_on_commit_callbacks)
    Entry.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=15)
    )
    fresh, fresh_path = _submit(
        client, minor, upload, django_capture_on_commit_callbacks
    )
    storage = old.video.output.storage
    # the original upload is already gone (deleted once processed)
    names = [
        n
        for n in (old.video.source.name, old.video.output.name, old.video.poster.name)
        if n
    ]
    guardian = Client()
    assert guardian.get(old_path + "video.mp4").status_code == HTTPStatus.OK

    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention_sweep", stdout=io.StringIO())

    old.refresh_from_db()
    assert old.state == S.WITHDRAWN
    assert old.caption == ""
    assert old.events.get(to_state=S.WITHDRAWN).reason == "guardian_no_answer"
    assert old.guardian_consent.guardian_email == "erased@invalid"
    assert not any(storage.exists(name) for name in names)
    # The late guardian finds the link closed, and the video gone.
    late = guardian.post(old_path, {"decision": "confirm"})
    assert late.status_code == HTTPStatus.GONE
    assert guardian.get(old_path + "video.mp4").status_code == HTTPStatus.NOT_FOUND
    # A recent one keeps waiting.
    fresh.refresh_from_db()
    assert fresh.state == S.DRAFT
    assert guardian.get(fresh_path).status_code == HTTPStatus.OK
