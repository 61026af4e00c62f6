"""The challenge's resumable (tus) uploads: who may start one, how many a participant
keeps open, how long one waits, and turning a finished one into an entry through
the same entry_upload as the plain form.

The bytes (the part file, its lock, the bucket's multipart parts) are kept by
videos.resumable; this module keeps the ResumableUpload row that says how far each
upload got, lends it to videos.resumable as its ledger (`_RowLedger`), and answers
in the challenge's words (challenge.errors).

Invariants:
- the form's rules (campaign live, daily limit, size) are checked when the upload is
  created, before the first byte is accepted, and again by entry_upload at the end;
- the whole site's open uploads stay under a byte cap and leave the disk a free
  margin (`_check_room`), so a few accounts cannot fill it between them;
- `offset` moves only under the row lock, after videos.resumable has flushed the
  bytes it counts (`_confirm`);
- the row goes first and the files after commit (`_delete`).
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from videos import resumable

from ..errors import (
    UploadBusy,
    UploadEmpty,
    UploadExpired,
    UploadIncomplete,
    UploadNoRoom,
    UploadNotFound,
    UploadOffsetConflict,
    UploadsFull,
    UploadTooLarge,
)
from ..models import Participant, ResumableUpload
from .submission import (
    UploadResult,
    check_can_submit,
    entry_upload,
    submission_already_received,
)


def _expires(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(hours=settings.RESUMABLE_UPLOAD_EXPIRY_HOURS)


def resumable_upload_create(
    *, participant: Participant, length: int, filename: str = "", filetype: str = ""
) -> ResumableUpload:
    """Start an upload of `length` bytes, if the participant may send one now.

    A participant needs one upload at a time: beyond RESUMABLE_UPLOADS_OPEN_MAX
    unfinished ones, the oldest are deleted, so nobody can fill the disk with
    uploads they never finish.
    """
    check_can_submit(participant=participant)
    if length > settings.VIDEO_MAX_UPLOAD_BYTES:
        raise UploadTooLarge(settings.VIDEO_MAX_UPLOAD_BYTES)
    if length <= 0:
        raise UploadEmpty()
    now = timezone.now()
    _check_room(length=length, now=now)
    with transaction.atomic():
        upload = ResumableUpload.objects.create(
            participant=participant,
            length=length,
            filename=filename[:255],
            filetype=filetype[:100],
            expires_at=_expires(now),
        )
        try:
            resumable.part_file_create(upload.pk)
        except resumable.PieceNoRoom:
            raise UploadNoRoom() from None  # the row is rolled back
        older = (
            ResumableUpload.objects.filter(participant=participant)
            .exclude(pk=upload.pk)
            .order_by("-created_at")
            .values_list("pk", flat=True)[settings.RESUMABLE_UPLOADS_OPEN_MAX - 1 :]
        )
        for pk in list(older):
            _delete(pk)
    try:
        upload.multipart_id = resumable.multipart_start(upload.pk)
    except Exception:
        _delete(upload.pk)
        raise
    if upload.multipart_id:
        upload.save(update_fields=["multipart_id"])
    return upload


def _check_room(*, length: int, now: dt.datetime) -> None:
    """Refuse a new upload of `length` bytes (UploadsFull, "try again later") when
    the open uploads of every account together, finished ones waiting for their
    form included, would reserve more than RESUMABLE_UPLOADS_OPEN_MAX_BYTES, or
    when the disk would keep less than RESUMABLE_UPLOAD_MIN_FREE_BYTES free once
    every open upload has arrived.

    Read without a lock: uploads started at the same instant may pass together,
    which overshoots by at most their own sizes; the margin is there for that.
    """
    open_uploads = ResumableUpload.objects.filter(expires_at__gt=now).values_list(
        "length", "offset", "multipart_id"
    )
    reserved = to_come = 0
    for declared, offset, multipart_id in open_uploads:
        reserved += declared
        to_come += resumable.disk_bytes_to_come(
            remaining=declared - offset, multipart=bool(multipart_id)
        )
    if reserved + length > settings.RESUMABLE_UPLOADS_OPEN_MAX_BYTES:
        raise UploadsFull()
    to_come += resumable.disk_bytes_to_come(
        remaining=length, multipart=resumable.multipart_on()
    )
    free_after = resumable.disk_free_bytes() - to_come
    if free_after < settings.RESUMABLE_UPLOAD_MIN_FREE_BYTES:
        raise UploadsFull()


def resumable_upload_get(*, upload_id, participant: Participant) -> ResumableUpload:
    """The participant's own upload; another participant's id is "not found". An
    expired one is deleted on the spot."""
    upload = ResumableUpload.objects.filter(pk=upload_id, participant=participant)
    upload = upload.first()
    if upload is None:
        raise UploadNotFound()
    if upload.expires_at <= timezone.now():
        _delete(upload.pk)
        raise UploadExpired()
    return upload


@dataclass(frozen=True)
class _RowLedger:
    """The upload's row as videos.resumable's ledger (videos.resumable.UploadLedger):
    read as the participant's own, moved under the row lock."""

    upload_id: uuid.UUID
    participant: Participant

    def current(self) -> ResumableUpload:
        return resumable_upload_get(
            upload_id=self.upload_id, participant=self.participant
        )

    def confirm(self, **progress) -> ResumableUpload:
        return _confirm(self.upload_id, **progress)


def resumable_upload_append(
    *,
    upload_id,
    participant: Participant,
    offset: int,
    stream,
    content_length: int | None,
) -> ResumableUpload:
    """Append the bytes of `stream` at `offset`; return the upload as confirmed.

    A dropped connection keeps what arrived (flushed and confirmed), so the client
    resumes from there. More bytes than the declared length: nothing of this piece
    is kept (413).
    """
    try:
        return resumable.piece_append(
            ledger=_RowLedger(upload_id=upload_id, participant=participant),
            offset=offset,
            stream=stream,
            content_length=content_length,
        )
    except resumable.PieceOffsetMoved as moved:
        raise UploadOffsetConflict(moved.offset) from None
    except resumable.PieceBusy:
        raise UploadBusy() from None
    except resumable.PieceTooLong:
        raise UploadTooLarge(settings.VIDEO_MAX_UPLOAD_BYTES) from None
    except resumable.PiecesGone:
        _delete(upload_id)
        raise UploadNotFound() from None
    except resumable.PieceNoRoom:
        raise UploadNoRoom() from None


def _confirm(
    upload_id,
    *,
    start: int,
    received: int,
    part: tuple[str, int] | None = None,
    finished: bool = False,
) -> ResumableUpload:
    """Move the offset (and record a part sent to the bucket) under the row lock;
    `finished`: every byte is stored and usable (on object storage, the parts are
    joined), so the upload is complete."""
    now = timezone.now()
    with transaction.atomic():
        upload = ResumableUpload.objects.select_for_update().filter(pk=upload_id)
        upload = upload.first()
        if upload is None:  # cancelled while the piece arrived
            raise UploadNotFound()
        if upload.offset != start:
            raise UploadOffsetConflict(upload.offset)
        upload.offset = start + received
        upload.expires_at = _expires(now)
        if part is not None:
            etag, size = part
            upload.part_etags = [*upload.part_etags, etag]
            upload.stored_bytes += size
        if finished:
            upload.completed_at = now
        upload.save(
            update_fields=[
                "offset",
                "expires_at",
                "completed_at",
                "part_etags",
                "stored_bytes",
            ]
        )
    return upload


def resumable_upload_delete(*, upload_id, participant: Participant) -> None:
    """The participant cancels their upload (tus termination)."""
    upload = resumable_upload_get(upload_id=upload_id, participant=participant)
    _delete(upload.pk)


def resumable_uploads_delete(*, user) -> int:
    """Delete every upload of this account, finished or not, as the account goes:
    the rows now, the files and the bucket's parts once that commits, never left
    for the expiry sweep (a finished one is a whole video)."""
    pks = list(
        ResumableUpload.objects.filter(participant__user=user).values_list(
            "pk", flat=True
        )
    )
    for pk in pks:
        _delete(pk)
    return len(pks)


def _delete(upload_id) -> None:
    """Delete the row now, and the file (and the bucket's parts or object) once
    that commits."""
    with transaction.atomic():
        row = (
            ResumableUpload.objects.filter(pk=upload_id)
            .values("multipart_id", "completed_at")
            .first()
        ) or {"multipart_id": "", "completed_at": None}
        ResumableUpload.objects.filter(pk=upload_id).delete()
        transaction.on_commit(
            partial(
                resumable.upload_files_delete,
                upload_id,
                multipart_id=row["multipart_id"],
                finished=row["completed_at"] is not None,
            )
        )


def resumable_uploads_expire(*, now: dt.datetime | None = None) -> int:
    """Delete expired uploads (finished or not), then the files and the bucket's
    multipart uploads that no row knows (videos.resumable.orphans_delete)."""
    now = now or timezone.now()
    # Read before the expired rows go: their files are deleted with them, not
    # counted again as orphans.
    known = {str(pk) for pk in ResumableUpload.objects.values_list("pk", flat=True)}
    expired = ResumableUpload.objects.filter(expires_at__lte=now)
    count = 0
    for pk in list(expired.values_list("pk", flat=True)):
        _delete(pk)
        count += 1
    return count + resumable.orphans_delete(known=known, now=now)


def entry_upload_resumable(
    *,
    participant: Participant,
    upload_id,
    caption: str,
    prompt: str,
    language: str,
    submission_token: uuid.UUID | None,
    guardian_email: str = "",
) -> UploadResult:
    """The form sent after a resumable upload: the finished file goes through
    entry_upload like the plain form's (rules, nudge, guardian, daily limit).

    The upload is used up only when an entry or a nudge is made: a refused form
    (daily limit, a missing guardian address) keeps it, so the participant fixes
    the form without sending the video again.
    """
    existing = submission_already_received(submission_token)
    if existing is not None:
        return existing
    try:
        # Outside the transaction below: an expired upload is deleted for good
        # even though the form is refused.
        resumable_upload_get(upload_id=upload_id, participant=participant)
    except UploadExpired:
        raise
    except UploadNotFound:
        # The same form sent twice at once: the first one used the upload.
        existing = submission_already_received(submission_token)
        if existing is not None:
            return existing
        raise
    with transaction.atomic():
        upload = (
            ResumableUpload.objects.select_for_update()
            .filter(pk=upload_id, participant=participant)
            .first()
        )
        if upload is None:
            # The same form sent twice at once: the first one used the upload.
            existing = submission_already_received(submission_token)
            if existing is not None:
                return existing
            raise UploadNotFound()
        # Complete: every byte on disk, or (object storage) the parts joined.
        if upload.completed_at is None:
            raise UploadIncomplete()
        try:
            with resumable.finished_file(
                upload.pk,
                multipart_id=upload.multipart_id,
                name=upload.filename or "video",
            ) as file:
                result = entry_upload(
                    participant=participant,
                    file=file,
                    caption=caption,
                    prompt=prompt,
                    language=language,
                    submission_token=submission_token,
                    guardian_email=guardian_email,
                )
        except resumable.PiecesGone:
            raise UploadNotFound() from None
        if not result.duplicate:
            _delete(upload.pk)
        return result
