"""Writes for submitting: the upload, the "think before you post" choice, following
the video through the pipeline, and withdrawing.

Every entry state change goes through challenge.states.entry_transition; side effects
(mail, deleting files) run after the transaction commits.
"""

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaign.selectors import campaign_current
from videos.services import (
    StorageFull,
    StorageUnavailable,
    video_delete,
    video_record,
    video_stored,
)

from ..ages import is_under_18, needs_guardian
from ..errors import (
    CampaignNotLive,
    DailyLimitReached,
    GuardianRequired,
    NudgeAlreadyDecided,
    UploadNoRoom,
    UploadNotStored,
)
from ..models import Entry, Nudge, NudgeOutcome, Participant
from ..nudge import caption_hits
from ..selectors.participants import submissions_in_last_day
from ..states import entry_follow_video, entry_record_created, entry_transition
from .erasure import entry_erase
from .guardian import guardian_consent_request
from .guardian_mails import guardian_mail_check

DEFAULT_HASHTAG = "#CreateKindness"

# A caption is at most 300 characters; the live check reads no further than this.
CAPTION_CHECK_MAX_CHARS = 2000


def caption_nudge_phrases(caption: str) -> list[str]:
    """The watched phrases the kindness nudge would show for this caption (read up
    to CAPTION_CHECK_MAX_CHARS)."""
    caption = caption[:CAPTION_CHECK_MAX_CHARS].strip()
    return [hit["phrase"] for hit in caption_hits(caption)]


def caption_with_hashtag(caption: str) -> str:
    caption = caption.strip()
    campaign = campaign_current()
    hashtag = campaign.hashtag if campaign else DEFAULT_HASHTAG
    word = re.escape(hashtag.lstrip("#"))
    if re.search(rf"(?<!\w)#{word}(?!\w)", caption, flags=re.IGNORECASE):
        return caption
    return f"{caption} {hashtag}".strip()


def check_can_submit(*, participant: Participant) -> None:
    """Raise when the participant may not send an entry right now.

    An early answer, before the upload is read; entry_upload counts again under
    the participant's row lock (_daily_limit_lock) before it stores anything.
    """
    campaign = campaign_current()
    if campaign is None or not campaign.is_live:
        raise CampaignNotLive()
    _check_daily_limit(participant)
    if needs_guardian(participant):
        # Before a minor's file is read: its consent mail would be over the limit.
        guardian_mail_check(participant=participant)


def _check_daily_limit(participant: Participant) -> None:
    limit = settings.CHALLENGE_DAILY_ENTRY_LIMIT
    if submissions_in_last_day(participant) >= limit:
        raise DailyLimitReached(limit)


def _daily_limit_lock(participant: Participant) -> None:
    """Take the participant's row lock and count the day's submissions again.

    Must run inside the transaction that creates the entry or the nudge: uploads
    from one participant arriving together wait for each other here, so each
    counts the ones committed before it and the limit holds (SQLite serialises
    the whole write transaction instead: the project opens them IMMEDIATE).
    """
    Participant.objects.select_for_update().filter(pk=participant.pk).exists()
    _check_daily_limit(participant)


@dataclass
class UploadResult:
    entry: Entry | None = None
    nudge: Nudge | None = None
    duplicate: bool = False


def submission_already_received(token) -> UploadResult | None:
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

    The file is stored first, with no transaction open and no lock held (up to
    VIDEO_MAX_UPLOAD_BYTES; the participant's notes and other uploads do not wait
    for it), then a short transaction takes the participant's row lock, counts
    again and writes the rows. A refusal or an error there deletes the stored file
    (videos.services.video_stored).
    """
    existing = submission_already_received(submission_token)
    if existing is not None:
        return existing
    check_can_submit(participant=participant)
    if needs_guardian(participant) and not guardian_email:
        raise GuardianRequired()
    caption = caption.strip()
    hits = caption_hits(caption)
    try:
        with video_stored(file=file, original_name=file.name or "") as video:
            return _upload_record(
                participant=participant,
                video=video,
                caption=caption,
                hits=hits,
                prompt=prompt,
                language=language,
                submission_token=submission_token,
                guardian_email=guardian_email,
            )
    except StorageFull as error:
        raise UploadNoRoom() from error
    except StorageUnavailable as error:
        raise UploadNotStored() from error
    except IntegrityError:
        # The same form, posted twice at the same moment: the other request won.
        existing = submission_already_received(submission_token)
        if existing is None:
            raise
        return existing


@transaction.atomic
def _upload_record(
    *,
    participant,
    video,
    caption,
    hits,
    prompt,
    language,
    submission_token,
    guardian_email,
) -> UploadResult:
    """The rows of an upload whose file is stored: the video, then the nudge or
    the entry, under the participant's row lock."""
    _daily_limit_lock(participant)
    # The same form posted twice at once: the first one holding the lock won (this
    # one's stored file is deleted, as nothing records it).
    existing = submission_already_received(submission_token)
    if existing is not None:
        return existing
    video_record(video=video)
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
    entry = entry_create(
        participant=participant,
        video=video,
        caption=caption,
        prompt=prompt,
        language=language,
        submission_token=submission_token,
        guardian_email=guardian_email,
    )
    return UploadResult(entry=entry)


def entry_create(
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
    needs_consent = needs_guardian(participant)
    if needs_consent and not guardian_email:
        raise GuardianRequired()
    entry = Entry.objects.create(
        participant=participant,
        video=video,
        caption=caption_with_hashtag(caption),
        prompt=prompt,
        language=language,
        state=Entry.State.DRAFT if needs_consent else Entry.State.UPLOADED,
        is_minor=is_under_18(participant),
        needs_guardian=needs_consent,
        submitted_at=None if needs_consent else timezone.now(),
        submission_token=submission_token,
        nudge_outcome=nudge_outcome,
        watched_hits=watched_hits or [],
    )
    entry_record_created(entry=entry, actor=participant.user)
    if needs_consent:
        guardian_consent_request(entry=entry, guardian_email=guardian_email)
    else:
        entry = entry_follow_video(entry_id=entry.pk)
    return entry


def entry_video_finished(video) -> None:
    """The video pipeline's on_finished hook (registered in ChallengeConfig)."""
    entry_id = Entry.objects.filter(video_id=video.pk).values_list("pk", flat=True)
    for pk in entry_id:
        entry_follow_video(entry_id=pk)


@transaction.atomic
def entry_withdraw(
    *, entry: Entry, actor=None, reason: str = "withdrawn_by_participant"
) -> Entry:
    """Withdraw the entry and delete its files.

    The row stays, emptied of the caption, so the audit trail (EntryEvent) keeps
    what happened; the video files are deleted once the transaction commits.
    """
    entry = entry_transition(
        entry_id=entry.pk, to_state=Entry.State.WITHDRAWN, actor=actor, reason=reason
    )
    entry_erase(entry=entry)
    return entry


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
        video_id = nudge.video_id
        nudge.video = None
        nudge.save(update_fields=["outcome", "decided_at", "video"])
        if video_id is not None:
            # Usually still being processed: the tombstone makes the worker delete
            # what it stores instead of keeping a video nobody owns.
            video_delete(video_id=video_id)
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
    entry = entry_create(
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
            video_id = nudge.video_id
            nudge.outcome = Nudge.Outcome.ABANDONED
            nudge.decided_at = timezone.now()
            nudge.video = None
            nudge.save(update_fields=["outcome", "decided_at", "video"])
            if video_id is not None:
                video_delete(video_id=video_id)
            count += 1
    return count
