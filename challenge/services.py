"""Writes for the challenge: participants, entries, guardian consent, the nudge.

Every entry state change goes through challenge.states.entry_transition; side effects
(mail, deleting files) run after the transaction commits.
"""

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from campaign.selectors import campaign_current

from .ages import Eligibility, eligibility, needs_guardian
from .models import (
    Entry,
    GuardianConsent,
    Nudge,
    NudgeOutcome,
    Participant,
)
from .nudge import caption_hits
from .selectors import submissions_in_last_day
from .states import TransitionNotAllowed, entry_record_created, entry_transition

logger = logging.getLogger(__name__)
S = Entry.State
DEFAULT_HASHTAG = "#CreateKindness"
GUARDIAN_SALT = "challenge.guardian-consent"


class ChallengeError(Exception):
    """A rule the participant (or guardian) hit; `message` is shown to them."""

    code = "error"
    message = _("Something went wrong. Please try again.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class CampaignNotLive(ChallengeError):
    code = "not_live"
    message = _(
        "The challenge is not open for entries right now. Check the dates on the "
        "challenge page."
    )


class DailyLimitReached(ChallengeError):
    code = "daily_limit"

    def __init__(self, limit: int):
        super().__init__(
            _(
                "You have sent %(limit)s entries in the last 24 hours, the most we "
                "accept in a day. Thank you for your energy! Please come back tomorrow."
            )
            % {"limit": limit}
        )


class TooYoung(ChallengeError):
    code = "too_young"
    message = _("You need to be at least 13 years old to take part.")


class GuardianRequired(ChallengeError):
    code = "guardian_required"
    message = _("Please give the email address of a parent or guardian.")


class NudgeAlreadyDecided(ChallengeError):
    code = "nudge_decided"
    message = _("You have already made your choice for this video.")


class GuardianLinkError(ChallengeError):
    messages = {
        "invalid": _(
            "This link is not valid. Please use the link exactly as it appears in "
            "the email."
        ),
        "expired": _(
            "This link has expired. Your child can send you a new one from “My "
            "entries”."
        ),
        "used": _("This link has already been used: your answer was recorded."),
        "closed": _(
            "This entry is no longer waiting for an answer (it was withdrawn or "
            "could not be processed)."
        ),
    }

    def __init__(self, code: str):
        self.code = code
        super().__init__(self.messages[code])


# Participants -----------------------------------------------------------------


def participant_create(
    *,
    user,
    handle: str,
    birth_year: int,
    birth_month: int,
    country: str,
    language: str,
) -> Participant:
    """Create the profile, or raise TooYoung without storing anything."""
    if (
        eligibility(birth_year=birth_year, birth_month=birth_month, country=country)
        == Eligibility.TOO_YOUNG
    ):
        raise TooYoung()
    return Participant.objects.create(
        user=user,
        handle=handle,
        birth_year=birth_year,
        birth_month=birth_month,
        country=country,
        language=language,
    )


def participant_update(*, participant: Participant, handle: str) -> Participant:
    participant.handle = handle
    participant.full_clean(exclude=["user"])
    participant.save(update_fields=["handle"])
    return participant


def account_delete_under_age(*, user) -> None:
    """An under-13 signing up: we keep nothing, not even the account."""
    if Participant.objects.filter(user=user).exists():
        return  # never delete an existing participant's data this way
    user.delete()


# Submitting -------------------------------------------------------------------


def caption_with_hashtag(caption: str) -> str:
    caption = caption.strip()
    campaign = campaign_current()
    hashtag = campaign.hashtag if campaign else DEFAULT_HASHTAG
    word = re.escape(hashtag.lstrip("#"))
    if re.search(rf"(?<!\w)#{word}(?!\w)", caption, flags=re.IGNORECASE):
        return caption
    return f"{caption} {hashtag}".strip()


def check_can_submit(*, participant: Participant) -> None:
    """Raise when the participant may not send an entry right now."""
    campaign = campaign_current()
    if campaign is None or not campaign.is_live:
        raise CampaignNotLive()
    limit = settings.CHALLENGE_DAILY_ENTRY_LIMIT
    if submissions_in_last_day(participant) >= limit:
        raise DailyLimitReached(limit)


@dataclass
class UploadResult:
    entry: Entry | None = None
    nudge: Nudge | None = None
    duplicate: bool = False


def _already_received(token) -> UploadResult | None:
    if token is None:
        return None
    entry = Entry.objects.filter(submission_token=token).first()
    if entry is not None:
        return UploadResult(entry=entry, duplicate=True)
    nudge = Nudge.objects.filter(submission_token=token).first()
    if nudge is not None:
        if nudge.entry_id:
            return UploadResult(entry=nudge.entry, duplicate=True)
        return UploadResult(nudge=nudge, duplicate=True)
    return None


def entry_upload(
    *,
    participant: Participant,
    file,
    caption: str,
    prompt: str,
    language: str,
    submission_token: uuid.UUID | None,
    guardian_email: str = "",
) -> UploadResult:
    """Store the upload privately and hand it to the video pipeline.

    A caption with watched words gives a pending Nudge instead of an entry: the
    participant decides (edit, cancel, post anyway) before anything is submitted.
    The same form posted twice (same `submission_token`) returns the first result.
    """
    from videos.services import video_create

    existing = _already_received(submission_token)
    if existing is not None:
        return existing
    check_can_submit(participant=participant)
    if needs_guardian(participant) and not guardian_email:
        raise GuardianRequired()
    caption = caption.strip()
    hits = caption_hits(caption)
    try:
        with transaction.atomic():
            video = video_create(file=file, original_name=file.name or "")
            if hits:
                nudge = Nudge.objects.create(
                    participant=participant,
                    video=video,
                    caption=caption,
                    prompt=prompt,
                    language=language,
                    guardian_email=guardian_email,
                    submission_token=submission_token,
                    hits=hits,
                )
                return UploadResult(nudge=nudge)
            entry = _entry_create(
                participant=participant,
                video=video,
                caption=caption,
                prompt=prompt,
                language=language,
                submission_token=submission_token,
                guardian_email=guardian_email,
            )
            return UploadResult(entry=entry)
    except IntegrityError:
        # The same form, posted twice at the same moment: the other request won.
        existing = _already_received(submission_token)
        if existing is None:
            raise
        return existing


def _entry_create(
    *,
    participant: Participant,
    video,
    caption: str,
    prompt: str,
    language: str,
    submission_token=None,
    guardian_email: str = "",
    nudge_outcome: str = NudgeOutcome.NONE,
    watched_hits: list | None = None,
) -> Entry:
    minor = needs_guardian(participant)
    if minor and not guardian_email:
        raise GuardianRequired()
    entry = Entry.objects.create(
        participant=participant,
        video=video,
        caption=caption_with_hashtag(caption),
        prompt=prompt,
        language=language,
        state=S.DRAFT if minor else S.UPLOADED,
        is_minor=minor,
        submitted_at=None if minor else timezone.now(),
        submission_token=submission_token,
        nudge_outcome=nudge_outcome,
        watched_hits=watched_hits or [],
    )
    entry_record_created(entry=entry, actor=participant.user)
    if minor:
        consent = GuardianConsent.objects.create(
            entry=entry, guardian_email=guardian_email
        )
        _send_guardian_email_on_commit(consent.pk)
    else:
        entry = entry_follow_video(entry_id=entry.pk)
    return entry


@transaction.atomic
def entry_follow_video(*, entry_id: int) -> Entry:
    """Move the entry along to match its video: processing, ready or failed.

    Called when the entry is handed over, when a guardian confirms, and by the video
    pipeline when it finishes. It locks the entry first and reads the video after,
    so whichever of "guardian confirms" and "video ready" comes second sees the
    other's committed result.
    """
    from videos.models import Video

    entry = Entry.objects.select_for_update().get(pk=entry_id)
    video = Video.objects.get(pk=entry.video_id)
    if entry.state == S.UPLOADED:
        entry = entry_transition(
            entry_id=entry.pk, to_state=S.PROCESSING, reason="handed_over"
        )
    if video.status == Video.Status.FAILED and entry.state in {
        S.DRAFT,
        S.PROCESSING,
    }:
        entry = entry_transition(
            entry_id=entry.pk,
            to_state=S.FAILED,
            reason=(video.failure_code or "video_failed")[:40],
        )
    elif video.status == Video.Status.READY and entry.state == S.PROCESSING:
        entry = entry_transition(
            entry_id=entry.pk, to_state=S.PENDING_REVIEW, reason="video_ready"
        )
    return entry


def entry_video_finished(video) -> None:
    """The video pipeline's on_finished hook (registered in ChallengeConfig)."""
    entry_id = Entry.objects.filter(video_id=video.pk).values_list("pk", flat=True)
    for pk in entry_id:
        entry_follow_video(entry_id=pk)


def entry_video_is_public(video) -> bool | None:
    """The video pipeline's is_public hook: only approved entries are public."""
    state = Entry.objects.filter(video_id=video.pk).values_list("state", flat=True)
    state = list(state)
    if not state:
        return None
    return state[0] == S.APPROVED


def _delete_video_on_commit(video) -> None:
    from videos.services import video_delete_files

    transaction.on_commit(lambda: video_delete_files(video=video))


@transaction.atomic
def entry_withdraw(
    *, entry: Entry, actor=None, reason: str = "withdrawn_by_participant"
) -> Entry:
    """Withdraw the entry and delete its files.

    The row stays, emptied of the caption, so the audit trail (EntryEvent) keeps
    what happened; the video files are deleted once the transaction commits.
    """
    entry = entry_transition(
        entry_id=entry.pk, to_state=S.WITHDRAWN, actor=actor, reason=reason
    )
    entry.caption = ""
    entry.watched_hits = []
    entry.save(update_fields=["caption", "watched_hits"])
    _delete_video_on_commit(entry.video)
    _gallery_changed_on_commit()
    return entry


def _gallery_changed_on_commit() -> None:
    """Cached gallery pages must forget a withdrawn entry at once."""
    try:
        from .gallery import gallery_changed
    except ImportError:  # the gallery is optional for this module
        return
    transaction.on_commit(gallery_changed)


# The kindness nudge ---------------------------------------------------------------


class NudgeChoice:
    EDIT = "edit"
    POST_ANYWAY = "post_anyway"
    CANCEL = "cancel"


@transaction.atomic
def nudge_decide(
    *, nudge_id: int, participant: Participant, choice: str, caption: str = ""
) -> UploadResult:
    """Apply the participant's choice after "think before you post".

    - cancel: the video is deleted, nothing is submitted;
    - edit: the new caption is checked again; still hurtful → the nudge stays open
      with the new hits; kind → the entry is submitted (outcome "edited");
    - post anyway: the entry is submitted as it is, with the hits recorded.
    """
    nudge = Nudge.objects.select_for_update().get(pk=nudge_id, participant=participant)
    if nudge.outcome != Nudge.Outcome.PENDING:
        if nudge.entry_id:
            return UploadResult(entry=nudge.entry, duplicate=True)
        raise NudgeAlreadyDecided()
    now = timezone.now()
    if choice == NudgeChoice.CANCEL:
        nudge.outcome = Nudge.Outcome.CANCELLED
        nudge.decided_at = now
        video = nudge.video
        nudge.video = None
        nudge.save(update_fields=["outcome", "decided_at", "video"])
        if video is not None:
            _delete_video_on_commit(video)
        return UploadResult(nudge=nudge)

    campaign = campaign_current()
    if campaign is None or not campaign.is_live:
        raise CampaignNotLive()
    if choice == NudgeChoice.EDIT:
        new_caption = caption.strip()
        hits = caption_hits(new_caption)
        if hits:
            nudge.caption = new_caption
            nudge.hits = hits
            nudge.save(update_fields=["caption", "hits"])
            return UploadResult(nudge=nudge)
        outcome, final_caption = Nudge.Outcome.EDITED, new_caption
    elif choice == NudgeChoice.POST_ANYWAY:
        outcome, final_caption = Nudge.Outcome.POSTED_ANYWAY, nudge.caption
    else:
        raise ValueError(f"unknown nudge choice {choice!r}")
    entry = _entry_create(
        participant=participant,
        video=nudge.video,
        caption=final_caption,
        prompt=nudge.prompt,
        language=nudge.language,
        submission_token=nudge.submission_token,
        guardian_email=nudge.guardian_email,
        nudge_outcome=outcome,
        watched_hits=nudge.hits,
    )
    nudge.outcome = outcome
    nudge.decided_at = now
    nudge.entry = entry
    nudge.save(update_fields=["outcome", "decided_at", "entry"])
    return UploadResult(entry=entry)


def nudges_expire_abandoned(*, older_than: dt.timedelta | None = None) -> int:
    """Pending nudges nobody answered: delete their videos, keep the record."""
    older_than = older_than or dt.timedelta(hours=settings.CHALLENGE_NUDGE_HOLD_HOURS)
    count = 0
    stale = Nudge.objects.filter(
        outcome=Nudge.Outcome.PENDING, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    for pk in stale:
        with transaction.atomic():
            nudge = Nudge.objects.select_for_update().get(pk=pk)
            if nudge.outcome != Nudge.Outcome.PENDING:
                continue
            video = nudge.video
            nudge.outcome = Nudge.Outcome.ABANDONED
            nudge.decided_at = timezone.now()
            nudge.video = None
            nudge.save(update_fields=["outcome", "decided_at", "video"])
            if video is not None:
                _delete_video_on_commit(video)
            count += 1
    return count


# Guardian consent -------------------------------------------------------------------


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
    from .tasks import send_guardian_email

    transaction.on_commit(lambda: send_guardian_email.delay(consent_id))


def guardian_email_send(*, consent_id: int) -> None:
    consent = GuardianConsent.objects.select_related(
        "entry__participant", "entry__video"
    ).get(pk=consent_id)
    if consent.decision != GuardianConsent.Decision.PENDING:
        return
    entry = consent.entry
    with translation.override(entry.participant.language):
        context = {
            "consent": consent,
            "entry": entry,
            "handle": entry.participant.handle,
            "link": guardian_link(consent),
            "days": settings.GUARDIAN_LINK_MAX_AGE_DAYS,
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("challenge/email/guardian_subject.txt", context)
        body = render_to_string("challenge/email/guardian_message.txt", context)
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body,
        None,
        [consent.guardian_email],
    )


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
    note = f"guardian: {consent.guardian_email}"
    try:
        if confirm:
            entry_transition(
                entry_id=consent.entry_id,
                to_state=S.UPLOADED,
                reason="guardian_confirmed",
                note=note,
                expected_from={S.DRAFT},
            )
            entry_follow_video(entry_id=consent.entry_id)
        else:
            entry = Entry.objects.get(pk=consent.entry_id)
            entry_transition(
                entry_id=entry.pk,
                to_state=S.WITHDRAWN,
                reason="guardian_refused",
                note=note,
                expected_from={S.DRAFT},
            )
            entry.refresh_from_db()
            entry.caption = ""
            entry.watched_hits = []
            entry.save(update_fields=["caption", "watched_hits"])
            _delete_video_on_commit(entry.video)
    except TransitionNotAllowed as error:
        raise GuardianLinkError("closed") from error
    return consent
