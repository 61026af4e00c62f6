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
from core.links import BoundToken, bound_token, bound_token_read

from ... import jobs
from ...emails import notes_guardian_message
from ...errors import (
    ChallengeError,
    ConsentFromParticipant,
    ConsentFromParticipantDevice,
    GuardianIsParticipant,
    GuardianLinkError,
)
from ...mailboxes import same_mailbox
from ...models import NoteSettings, Participant
from ...selectors.gallery import gallery_changed_on_commit
from ...selectors.notes import note_prefs
from ...selectors.participants import account_addresses
from .. import devices
from ..guardian_mails import guardian_mail_count
from .common import settings_row_locked

GUARDIAN_SALT = "challenge.notes.guardian"


def _request_state(row: NoteSettings) -> tuple:
    """What a notes request link is issued for, hashed into it (core.links): notes
    switched on by the participant, this address, this request (each request and
    resend has its own time, to the microsecond), no answer yet. Switching notes off,
    another address or a newer mail kills every older link, so a guardian's late
    "yes" never reopens notes the participant has closed since."""
    return (
        row.open,
        row.guardian_email,
        row.guardian_requested_at.isoformat() if row.guardian_requested_at else "",
        row.guardian_confirmed_at.isoformat() if row.guardian_confirmed_at else "",
    )


def notes_guardian_token(row: NoteSettings) -> str:
    return bound_token(salt=GUARDIAN_SALT, pk=row.pk, state=_request_state(row))


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
    guardian_mail_count(participant=participant)
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
    guardian_mail_count(participant=participant)
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


def _read_token(token: str) -> BoundToken:
    max_age = timedelta(days=settings.GUARDIAN_LINK_MAX_AGE_DAYS)
    try:
        return bound_token_read(token, salt=GUARDIAN_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise GuardianLinkError("expired") from error
    except signing.BadSignature as error:
        raise GuardianLinkError("invalid") from error


def _check_request(link: BoundToken, row: NoteSettings | None) -> None:
    if row is None or row.guardian_requested_at is None:
        raise GuardianLinkError("invalid")
    if row.guardian_confirmed_at:
        raise GuardianLinkError("used")
    if not link.issued_for(_request_state(row)):
        raise GuardianLinkError("stale")


def notes_guardian_from_token(token: str) -> NoteSettings:
    link = _read_token(token)
    row = NoteSettings.objects.select_related("participant").filter(pk=link.pk).first()
    _check_request(link, row)
    return row


@transaction.atomic
def note_guardian_decide(
    *, token: str, confirm: bool, user=None, device_ids: dict[int, str] | None = None
) -> NoteSettings:
    """The guardian's answer. The participant's own session never answers, nor a
    browser they signed in or uploaded from (`device_ids`, the device cookie: see
    services.devices), logged out or not."""
    row = notes_guardian_from_token(token)
    row = NoteSettings.objects.select_for_update().get(pk=row.pk)
    # Again under the lock: a change the participant committed since the first look
    # (notes switched off, a new mail) has made this link stale.
    _check_request(_read_token(token), row)
    if (
        user is not None
        and user.is_authenticated
        and user.pk == row.participant.user_id
    ):
        raise ConsentFromParticipant()
    if devices.is_participants_device(
        participant_id=row.participant_id, device_ids=device_ids or {}
    ):
        raise ConsentFromParticipantDevice()
    if confirm:
        # The yes grants what was asked, nothing more: notes were switched on when
        # the link was issued (and still are, or the link would be stale), so the
        # participant's own setting is never written here.
        row.guardian_confirmed_at = timezone.now()
    else:
        row.open = False
        row.guardian_requested_at = None
    row.save()
    gallery_changed_on_commit()
    return row
