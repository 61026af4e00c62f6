"""A parent's or guardian's consent for an entry of a participant under the age of
digital consent: the signed, expiring, single-use link, its e-mail, and the answer;
after a "yes", the standing link to withdraw it and the mails that carry it.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.jobs import enqueue_on_commit
from core.links import BoundToken, bound_token, bound_token_read

from .. import jobs
from ..devices import DeviceKind
from ..emails import (
    guardian_confirmed_message,
    guardian_follow_up_message,
    guardian_published_message,
    guardian_request_message,
)
from ..errors import (
    ChallengeError,
    ConsentFromParticipant,
    ConsentFromParticipantDevice,
    GuardianIsParticipant,
    GuardianLinkError,
)
from ..mailboxes import same_mailbox
from ..models import Entry, GuardianConsent, GuardianNotice
from ..selectors.participants import account_addresses
from ..states import (
    TransitionNotAllowed,
    entry_follow_video,
    entry_transition,
    entry_video_lock,
)
from . import devices
from .erasure import entry_erase
from .guardian_mails import guardian_mail_count
from .notices import notice_deliver

log = logging.getLogger(__name__)
GUARDIAN_SALT = "challenge.guardian-consent"
# The revoke link never expires and survives publication: a plain signature of the
# consent's id, with its own salt so a consent link can never be used as one.
REVOKE_SALT = "challenge.guardian-revoke"
# An erased guardian address (see services.privacy): nothing is sent to it.
ERASED_EMAIL = "erased@invalid"


def _consent_state(consent: GuardianConsent) -> tuple:
    """What a consent link is issued for, hashed into it (core.links): the answer
    still awaited, this request (a resend moves `requested_at`), this address, and
    the entry as the guardian will see it (still a draft, this video, this caption).
    Any change kills every older link: a guardian's "yes" only ever grants what was
    asked when the mail went."""
    entry = consent.entry
    return (
        consent.decision,
        consent.requested_at.isoformat(),
        consent.guardian_email,
        entry.state,
        entry.video_id,
        entry.caption,
    )


def guardian_token(consent: GuardianConsent) -> str:
    return bound_token(salt=GUARDIAN_SALT, pk=consent.pk, state=_consent_state(consent))


def _read_token(token: str) -> BoundToken:
    max_age = dt.timedelta(days=settings.GUARDIAN_LINK_MAX_AGE_DAYS)
    try:
        return bound_token_read(token, salt=GUARDIAN_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise GuardianLinkError("expired") from error
    except signing.BadSignature as error:
        raise GuardianLinkError("invalid") from error


def _check_consent(link: BoundToken, consent: GuardianConsent | None) -> None:
    """The friendliest true answer first (answered, closed), then whether anything
    else changed since the link was issued (a resend, another address...)."""
    if consent is None:
        raise GuardianLinkError("invalid")
    if consent.decision != GuardianConsent.Decision.PENDING:
        raise GuardianLinkError("used")
    if consent.entry.state != Entry.State.DRAFT:
        raise GuardianLinkError("closed")
    if not link.issued_for(_consent_state(consent)):
        raise GuardianLinkError("stale")


def guardian_consent_from_token(token: str) -> GuardianConsent:
    link = _read_token(token)
    consent = (
        GuardianConsent.objects.select_related("entry__participant")
        .filter(pk=link.pk)
        .first()
    )
    _check_consent(link, consent)
    return consent


def guardian_link(consent: GuardianConsent) -> str:
    with translation.override(consent.entry.participant.language):
        path = reverse("challenge:guardian", kwargs={"token": guardian_token(consent)})
    return f"{settings.SITE_URL}{path}"


def _send_guardian_email_on_commit(consent_id: int) -> None:
    enqueue_on_commit(jobs.SEND_GUARDIAN_EMAIL, consent_id)


def guardian_consent_request(*, entry: Entry, guardian_email: str) -> GuardianConsent:
    """Ask the guardian: the consent row, and its e-mail once this commits.

    The form refuses the participant's own mailbox already; checked again here so
    that no other way in (a held upload posted later) can skip it.
    """
    if same_mailbox(guardian_email, account_addresses(entry.participant.user)):
        raise GuardianIsParticipant()
    guardian_mail_count(participant=entry.participant)
    consent = GuardianConsent.objects.create(entry=entry, guardian_email=guardian_email)
    _send_guardian_email_on_commit(consent.pk)
    return consent


def guardian_email_send(*, consent_id: int) -> None:
    """Sends nothing when the guardian has already answered."""
    consent = GuardianConsent.objects.select_related(
        "entry__participant", "entry__video"
    ).get(pk=consent_id)
    if consent.decision != GuardianConsent.Decision.PENDING:
        return
    guardian_request_message(consent=consent, link=guardian_link(consent)).send()


@transaction.atomic
def guardian_consent_resend(*, entry: Entry) -> GuardianConsent:
    """A new link (the old one stops working); allowed once every few minutes."""
    consent = GuardianConsent.objects.select_for_update().get(entry=entry)
    if (
        consent.decision != GuardianConsent.Decision.PENDING
        or entry.state != Entry.State.DRAFT
    ):
        raise GuardianLinkError("closed")
    wait = dt.timedelta(minutes=settings.GUARDIAN_RESEND_MINUTES)
    if timezone.now() - consent.requested_at < wait:
        raise ChallengeError(
            _("We sent the email a few minutes ago. Please wait before sending again.")
        )
    guardian_mail_count(participant=entry.participant)
    consent.requested_at = timezone.now()
    consent.save(update_fields=["requested_at"])
    _send_guardian_email_on_commit(consent.pk)
    return consent


def is_participants_own_session(*, consent: GuardianConsent, user) -> bool:
    """The request comes from the account that made the entry: a child answering
    their own guardian's mail."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.pk == consent.entry.participant.user_id
    )


@dataclass(frozen=True)
class AnswerOrigin:
    """Where an answer to a consent link comes from (views/devices.answer_origin):
    the browser's device cookie ({participant id: device id}), a keyed hash of the
    network, a coarse kind of device. Empty when the caller knows none of them."""

    device_ids: dict[int, str] = field(default_factory=dict)
    network: str = ""
    device: str = ""


def is_participants_own_device(*, consent: GuardianConsent, origin: AnswerOrigin):
    """The browser is one the participant signed in or uploaded from, logged in or
    not: logging out must not turn a child into their own guardian."""
    return devices.is_participants_device(
        participant_id=consent.entry.participant_id, device_ids=origin.device_ids
    )


def guardian_answer_refusal(
    *, consent: GuardianConsent, user, origin: AnswerOrigin
) -> ConsentFromParticipant | None:
    """Why this request may not answer for the guardian, or None."""
    if is_participants_own_session(consent=consent, user=user):
        return ConsentFromParticipant()
    if is_participants_own_device(consent=consent, origin=origin):
        return ConsentFromParticipantDevice()
    return None


def guardian_decide(
    *, token: str, confirm: bool, user=None, origin: AnswerOrigin | None = None
) -> GuardianConsent:
    """Record the guardian's answer and act on it (see `_guardian_answer`).

    Never from the participant's own logged-in session (ConsentFromParticipant) nor
    from a browser they signed in or uploaded from, logged out or not
    (ConsentFromParticipantDevice). Such an attempt changes nothing but is noted on
    the consent (`participant_tried_at`), in its own transaction, for the
    moderators: a "yes" that follows from another browser deserves a look.
    """
    origin = origin or AnswerOrigin()
    consent = guardian_consent_from_token(token)
    refusal = guardian_answer_refusal(consent=consent, user=user, origin=origin)
    if refusal is not None:
        GuardianConsent.objects.filter(pk=consent.pk).update(
            participant_tried_at=timezone.now()
        )
        raise refusal
    return _guardian_answer(token=token, confirm=confirm, origin=origin)


@transaction.atomic
def _guardian_answer(
    *, token: str, confirm: bool, origin: AnswerOrigin
) -> GuardianConsent:
    """Record the answer (time, kind of device, network and whether the participant
    used that network) under the consent's row lock.

    Confirmed: the entry is submitted (DRAFT → UPLOADED → processing / review) and
    the guardian gets the standing withdraw link once this commits (and what they
    agreed to a day later: `guardian_follow_ups_send`).
    Refused: the entry is withdrawn and its files deleted.
    """
    consent = guardian_consent_from_token(token)
    consent = GuardianConsent.objects.select_for_update().get(pk=consent.pk)
    # Checked again under the lock: a resend or a withdrawal that committed since
    # the first look has made this link stale.
    _check_consent(_read_token(token), consent)
    consent.decision = (
        GuardianConsent.Decision.CONFIRMED
        if confirm
        else GuardianConsent.Decision.REFUSED
    )
    consent.decided_at = timezone.now()
    consent.answered_device = origin.device or DeviceKind.UNKNOWN
    consent.answered_network = origin.network
    consent.from_participant_network = devices.is_participants_network(
        participant_id=consent.entry.participant_id, network=origin.network
    )
    consent.save(
        update_fields=[
            "decision",
            "decided_at",
            "answered_device",
            "answered_network",
            "from_participant_network",
        ]
    )
    try:
        if confirm:
            entry_transition(
                entry_id=consent.entry_id,
                to_state=Entry.State.UPLOADED,
                reason="guardian_confirmed",
                expected_from={Entry.State.DRAFT},
            )
            entry_follow_video(entry_id=consent.entry_id)
            _guardian_notice(consent, GuardianNotice.Kind.CONFIRMED)
        else:
            entry = entry_transition(
                entry_id=consent.entry_id,
                to_state=Entry.State.WITHDRAWN,
                reason="guardian_refused",
                expected_from={Entry.State.DRAFT},
            )
            entry_erase(entry=entry)
    except TransitionNotAllowed as error:
        raise GuardianLinkError("closed") from error
    return consent


# --- After a "yes": the standing withdraw link and the mails that carry it -----------


def revoke_token(consent: GuardianConsent) -> str:
    return signing.Signer(salt=REVOKE_SALT).sign(str(consent.pk))


def revoke_link(consent: GuardianConsent) -> str:
    with translation.override(consent.entry.participant.language):
        path = reverse(
            "challenge:guardian_revoke", kwargs={"token": revoke_token(consent)}
        )
    return f"{settings.SITE_URL}{path}"


def consent_from_revoke_token(token: str) -> GuardianConsent:
    """The confirmed consent a revoke link names; GuardianLinkError("invalid") for
    anything else. No expiry: the guardian may change their mind at any time."""
    try:
        pk = signing.Signer(salt=REVOKE_SALT).unsign(token)
    except signing.BadSignature as error:
        raise GuardianLinkError("invalid") from error
    consent = (
        GuardianConsent.objects.select_related("entry__participant", "entry__video")
        .filter(pk=pk, decision=GuardianConsent.Decision.CONFIRMED)
        .first()
    )
    if consent is None:
        raise GuardianLinkError("invalid")
    return consent


@transaction.atomic
def guardian_revoke(*, token: str) -> Entry:
    """Withdraw the entry the guardian agreed to and delete its files, whatever its
    state (published or not). Idempotent: an entry already withdrawn is returned as
    it is."""
    consent = consent_from_revoke_token(token)
    entry_video_lock(entry_id=consent.entry_id)  # before the entry's (see there)
    entry = Entry.objects.select_for_update().get(pk=consent.entry_id)
    if entry.state == Entry.State.WITHDRAWN:
        return entry
    entry = entry_transition(
        entry_id=entry.pk, to_state=Entry.State.WITHDRAWN, reason="guardian_revoked"
    )
    entry_erase(entry=entry)
    return entry


def _guardian_notice(consent: GuardianConsent, kind: str, countdown: int = 0) -> None:
    """Create the notice once (unique per consent and kind) and send it after
    commit (and `countdown` seconds); a second call for the same kind does
    nothing."""
    notice, created = GuardianNotice.objects.get_or_create(consent=consent, kind=kind)
    if not created:
        return
    enqueue_on_commit(jobs.SEND_GUARDIAN_NOTICE, notice.pk, countdown=countdown)


def guardian_published_notice(*, entry: Entry, countdown: int = 0) -> None:
    """Tell the guardian who agreed to this entry that it is now public (called by
    the approval, inside its transaction, with the undo window as `countdown`: an
    undone approval drops the unsent notice)."""
    consent = GuardianConsent.objects.filter(
        entry=entry, decision=GuardianConsent.Decision.CONFIRMED
    ).first()
    if consent is not None:
        _guardian_notice(consent, GuardianNotice.Kind.PUBLISHED, countdown)


# A sweep that was down catches up for this long; older "yes" answers (from before
# the follow-up existed, say) are not mailed out of the blue.
FOLLOW_UP_CATCH_UP = dt.timedelta(days=7)


def guardian_follow_ups_schedule(*, now=None) -> int:
    """ "E-mail plus": GUARDIAN_FOLLOW_UP_HOURS after a "yes", the guardian is told
    again what they agreed to, with the withdraw link, so that a parent whose
    child answered in their place finds out and can undo it. Run by the notices
    sweep (tasks.sweep_notices); each notice is made once (unique per consent and
    kind) and sent after commit. Not for an entry withdrawn meanwhile. Returns how
    many were scheduled."""
    now = now or timezone.now()
    due = now - dt.timedelta(hours=settings.GUARDIAN_FOLLOW_UP_HOURS)
    consents = (
        GuardianConsent.objects.filter(
            decision=GuardianConsent.Decision.CONFIRMED,
            decided_at__lte=due,
            decided_at__gt=due - FOLLOW_UP_CATCH_UP,
        )
        .exclude(entry__state=Entry.State.WITHDRAWN)
        .exclude(notices__kind=GuardianNotice.Kind.FOLLOW_UP)
    )
    scheduled = 0
    for consent in consents:
        _guardian_notice(consent, GuardianNotice.Kind.FOLLOW_UP)
        scheduled += 1
    return scheduled


def guardian_notice_send(*, notice_id: int) -> None:
    """Send one guardian notice, at most once.

    Claimed with a conditional UPDATE and stamped sent_at once the mail server took
    it; a retried or duplicate task finds it taken. Nothing is sent to an erased
    address, nor "published" or the follow-up for an entry withdrawn meanwhile. A mail failure
    releases the claim and raises, for the task to retry.
    """

    def build(notice):
        consent = notice.consent
        if consent.guardian_email == ERASED_EMAIL:
            return "address erased"
        if notice.kind == GuardianNotice.Kind.PUBLISHED:
            if consent.entry.state != Entry.State.APPROVED:
                return f"entry {consent.entry.state}"
            return guardian_published_message(
                consent=consent, link=revoke_link(consent)
            )
        if notice.kind == GuardianNotice.Kind.FOLLOW_UP:
            if consent.entry.state == Entry.State.WITHDRAWN:
                return "entry withdrawn"
            return guardian_follow_up_message(
                consent=consent, link=revoke_link(consent)
            )
        return guardian_confirmed_message(consent=consent, link=revoke_link(consent))

    notice_deliver(
        model=GuardianNotice,
        notice_id=notice_id,
        load=lambda pk: GuardianNotice.objects.select_related(
            "consent__entry__participant", "consent__entry__video"
        ).get(pk=pk),
        build=build,
    )
