"""A parent's or guardian's consent to notes under a minor's entries: the request
and its resend, the signed link and its mail, the answer."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs import enqueue_on_commit

from ... import jobs
from ...emails import notes_guardian_message
from ...errors import (
    ChallengeError,
    ConsentFromParticipant,
    GuardianIsParticipant,
    GuardianLinkError,
)
from ...mailboxes import same_mailbox
from ...models import NoteSettings, Participant
from ...selectors.notes import note_prefs
from ...selectors.participants import account_addresses
from .common import gallery_changed_on_commit, settings_row_locked

GUARDIAN_SALT = "challenge.notes.guardian"


def _guardian_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=GUARDIAN_SALT)


def _request_stamp(row: NoteSettings) -> str:
    # To the microsecond: each request (and resend) has its own link, and a new one
    # makes the older links stale.
    return f"{row.guardian_requested_at.timestamp():.6f}"


def notes_guardian_token(row: NoteSettings) -> str:
    return _guardian_signer().sign(f"{row.pk}.{_request_stamp(row)}")


def _asked_lately(row: NoteSettings) -> bool:
    resend_after = timedelta(minutes=settings.GUARDIAN_RESEND_MINUTES)
    return bool(
        row.guardian_requested_at
        and row.guardian_requested_at > timezone.now() - resend_after
    )


def _send_guardian_link_on_commit(row: NoteSettings) -> None:
    enqueue_on_commit(jobs.SEND_NOTES_GUARDIAN_EMAIL, row.pk)


@transaction.atomic
def note_guardian_request(*, participant: Participant, guardian_email: str) -> bool:
    """Ask a guardian, by the same kind of signed mail link as for entries, to agree
    that people may write notes under the participant's entries. False when nothing
    was sent: the same address was asked a moment ago (GUARDIAN_RESEND_MINUTES)."""
    if not note_prefs(participant).minor:
        return False
    if same_mailbox(guardian_email, account_addresses(participant.user)):
        raise GuardianIsParticipant()
    row = settings_row_locked(participant)
    if row.guardian_email == guardian_email and _asked_lately(row):
        return False
    row.open = True
    row.guardian_email = guardian_email
    row.guardian_requested_at = timezone.now()
    row.guardian_confirmed_at = None
    row.save()
    _send_guardian_link_on_commit(row)
    return True


@transaction.atomic
def note_guardian_resend(*, participant: Participant) -> None:
    """A new link to the same guardian (the old one stops working); allowed once
    every GUARDIAN_RESEND_MINUTES, and only while the answer is still awaited."""
    row = (
        NoteSettings.objects.select_for_update().filter(participant=participant).first()
    )
    if (
        row is None
        or not note_prefs(participant, row).waits_for_guardian
        or not row.guardian_email
        or row.guardian_requested_at is None
    ):
        raise ChallengeError(
            _("Nothing is waiting for an answer from your parent or guardian.")
        )
    if _asked_lately(row):
        raise ChallengeError(
            _("We sent the email a few minutes ago. Please wait before sending again.")
        )
    row.guardian_requested_at = timezone.now()
    row.save(update_fields=["guardian_requested_at"])
    _send_guardian_link_on_commit(row)


def notes_guardian_email_send(*, settings_id: int) -> None:
    row = NoteSettings.objects.select_related("participant").get(pk=settings_id)
    if not row.guardian_email or row.guardian_confirmed_at:
        return
    link = settings.SITE_URL + reverse(
        "challenge:notes_guardian", kwargs={"token": notes_guardian_token(row)}
    )
    notes_guardian_message(row=row, link=link).send()


def notes_guardian_from_token(token: str) -> NoteSettings:
    max_age = timedelta(days=settings.GUARDIAN_LINK_MAX_AGE_DAYS)
    try:
        value = _guardian_signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise GuardianLinkError("expired") from error
    except signing.BadSignature as error:
        raise GuardianLinkError("invalid") from error
    pk, _sep, stamp = value.partition(".")
    row = NoteSettings.objects.select_related("participant").filter(pk=pk).first()
    if row is None or row.guardian_requested_at is None:
        raise GuardianLinkError("invalid")
    if stamp != _request_stamp(row):
        raise GuardianLinkError("expired")
    if row.guardian_confirmed_at:
        raise GuardianLinkError("used")
    return row


@transaction.atomic
def note_guardian_decide(*, token: str, confirm: bool, user=None) -> NoteSettings:
    """The guardian's answer. The participant's own session never answers."""
    row = notes_guardian_from_token(token)
    row = NoteSettings.objects.select_for_update().get(pk=row.pk)
    if (
        user is not None
        and user.is_authenticated
        and user.pk == row.participant.user_id
    ):
        raise ConsentFromParticipant()
    if confirm:
        row.guardian_confirmed_at = timezone.now()
        row.open = True
    else:
        row.open = False
        row.guardian_requested_at = None
    row.save()
    gallery_changed_on_commit()
    return row
