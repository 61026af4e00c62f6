"""A parent's or guardian's consent for an entry of a participant under the age of
digital consent: the signed, expiring, single-use link, its e-mail, and the answer.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..emails import guardian_request_message
from ..errors import ChallengeError, GuardianIsParticipant, GuardianLinkError
from ..mailboxes import same_mailbox
from ..models import Entry, GuardianConsent
from ..selectors.participants import account_addresses
from ..states import (
    TransitionNotAllowed,
    entry_erase,
    entry_follow_video,
    entry_transition,
)

S = Entry.State
GUARDIAN_SALT = "challenge.guardian-consent"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=GUARDIAN_SALT)


def guardian_token(consent: GuardianConsent) -> str:
    # The request time is in the payload, so a re-sent link is a new token and the
    # old one stops working (see guardian_consent_from_token).
    return _signer().sign(f"{consent.pk}.{int(consent.requested_at.timestamp())}")


def guardian_consent_from_token(token: str) -> GuardianConsent:
    max_age = dt.timedelta(days=settings.GUARDIAN_LINK_MAX_AGE_DAYS)
    try:
        value = _signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise GuardianLinkError("expired") from error
    except signing.BadSignature as error:
        raise GuardianLinkError("invalid") from error
    pk, _sep, stamp = value.partition(".")
    consent = (
        GuardianConsent.objects.select_related("entry__participant")
        .filter(pk=pk)
        .first()
    )
    if consent is None:
        raise GuardianLinkError("invalid")
    if consent.decision != GuardianConsent.Decision.PENDING:
        raise GuardianLinkError("used")
    if stamp != str(int(consent.requested_at.timestamp())):
        # An older link, replaced by a newer one the participant asked for.
        raise GuardianLinkError("expired")
    if consent.entry.state != S.DRAFT:
        raise GuardianLinkError("closed")
    return consent


def guardian_link(consent: GuardianConsent) -> str:
    with translation.override(consent.entry.participant.language):
        path = reverse("challenge:guardian", kwargs={"token": guardian_token(consent)})
    return f"{settings.SITE_URL}{path}"


def _send_guardian_email_on_commit(consent_id: int) -> None:
    from ..tasks import send_guardian_email

    transaction.on_commit(lambda: send_guardian_email.delay(consent_id))


def guardian_consent_request(*, entry: Entry, guardian_email: str) -> GuardianConsent:
    """Ask the guardian: the consent row, and its e-mail once this commits.

    The form refuses the participant's own mailbox already; checked again here so
    that no other way in (a held upload posted later) can skip it.
    """
    if same_mailbox(guardian_email, account_addresses(entry.participant.user)):
        raise GuardianIsParticipant()
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
    if consent.decision != GuardianConsent.Decision.PENDING or entry.state != S.DRAFT:
        raise GuardianLinkError("closed")
    wait = dt.timedelta(minutes=settings.GUARDIAN_RESEND_MINUTES)
    if timezone.now() - consent.requested_at < wait:
        raise ChallengeError(
            _("We sent the email a few minutes ago. Please wait before sending again.")
        )
    consent.requested_at = timezone.now()
    consent.save(update_fields=["requested_at"])
    _send_guardian_email_on_commit(consent.pk)
    return consent


@transaction.atomic
def guardian_decide(*, token: str, confirm: bool) -> GuardianConsent:
    """Record the guardian's answer (time and address) and act on it.

    Confirmed: the entry is submitted (DRAFT → UPLOADED → processing / review).
    Refused: the entry is withdrawn and its files deleted.
    """
    consent = guardian_consent_from_token(token)
    consent = GuardianConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.decision != GuardianConsent.Decision.PENDING:
        raise GuardianLinkError("used")
    consent.decision = (
        GuardianConsent.Decision.CONFIRMED
        if confirm
        else GuardianConsent.Decision.REFUSED
    )
    consent.decided_at = timezone.now()
    consent.save(update_fields=["decision", "decided_at"])
    try:
        if confirm:
            entry_transition(
                entry_id=consent.entry_id,
                to_state=S.UPLOADED,
                reason="guardian_confirmed",
                expected_from={S.DRAFT},
            )
            entry_follow_video(entry_id=consent.entry_id)
        else:
            entry = entry_transition(
                entry_id=consent.entry_id,
                to_state=S.WITHDRAWN,
                reason="guardian_refused",
                expected_from={S.DRAFT},
            )
            entry_erase(entry=entry)
    except TransitionNotAllowed as error:
        raise GuardianLinkError("closed") from error
    return consent
