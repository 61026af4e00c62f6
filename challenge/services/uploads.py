"""Writes for resumable (tus) uploads: start one, append a piece, cancel, expire, and
turn a finished one into an entry through the same entry_upload as the plain form.

Invariants:
- the form's rules (campaign live, daily limit, size) are checked when the upload is
  created, before the first byte is accepted, and again by entry_upload at the end;
- a piece is written under an exclusive flock on the upload's file, so two requests
  never write the same upload at once: the second answers "busy" (tus clients retry)
  and, once the first has finished, finds the offset moved ("conflict");
- bytes are flushed to disk (fsync) before `offset` moves (row lock, a short
  transaction); a file longer than `offset` (a crash between the two, or a piece
  refused for size) is cut back to `offset` by the next write, so the server never
  confirms a byte it does not have.

With object storage (S3_PRIVATE_BUCKET), the pieces go to the private bucket as the
parts of one multipart upload (videos.multipart): as soon as the bytes on disk reach
RESUMABLE_UPLOAD_PART_BYTES they are sent as a part, its ETag and `offset` are recorded
together, and the file is emptied. The disk then holds only the bytes after the last
part (`buffered_bytes`, under one part), and the last piece joins the parts into the
object `uploads/<id>`, which becomes the video's source by a copy inside the bucket.
A part sent but not yet recorded (a crash between the two) is sent again under the
same number, which replaces it.
"""

import contextlib
import datetime as dt
import fcntl
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from videos.multipart import MultipartTarget, StoredObject, multipart_target

from ..errors import (
    UploadBusy,
    UploadEmpty,
    UploadExpired,
    UploadIncomplete,
    UploadNotFound,
    UploadOffsetConflict,
    UploadTooLarge,
)
from ..models import Participant, ResumableUpload
from .submission import (
    UploadResult,
    check_can_submit,
    entry_upload,
    submission_already_received,
)

READ_BYTES = 1024 * 1024  # bounded memory per request, few system calls


def upload_dir() -> Path:
    """Where pieces are assembled: RESUMABLE_UPLOAD_DIR, private, never served."""
    folder = Path(settings.RESUMABLE_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def part_path(upload_id) -> Path:
    return upload_dir() / f"{uuid.UUID(str(upload_id))}.part"


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
    with transaction.atomic():
        upload = ResumableUpload.objects.create(
            participant=participant,
            length=length,
            filename=filename[:255],
            filetype=filetype[:100],
            expires_at=_expires(now),
        )
        part_path(upload.pk).touch(mode=0o600, exist_ok=False)
        older = (
            ResumableUpload.objects.filter(participant=participant)
            .exclude(pk=upload.pk)
            .order_by("-created_at")
            .values_list("pk", flat=True)[settings.RESUMABLE_UPLOADS_OPEN_MAX - 1 :]
        )
        for pk in list(older):
            _delete(pk)
    target = multipart_target()
    if target is not None:
        try:
            upload.multipart_id = target.start(upload.object_key)
        except Exception:
            _delete(upload.pk)
            raise
        upload.save(update_fields=["multipart_id"])
    return upload


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
    upload = resumable_upload_get(upload_id=upload_id, participant=participant)
    if offset != upload.offset:
        raise UploadOffsetConflict(upload.offset)
    remaining = upload.length - upload.offset
    if content_length is not None and content_length > remaining:
        raise UploadTooLarge(settings.VIDEO_MAX_UPLOAD_BYTES)
    path = part_path(upload.pk)
    try:
        handle = path.open("ab")
    except FileNotFoundError:
        _delete(upload.pk)
        raise UploadNotFound() from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy() from None
        # Under the file lock: a writer that just finished has moved the offset.
        upload = resumable_upload_get(upload_id=upload.pk, participant=participant)
        if offset != upload.offset:
            raise UploadOffsetConflict(upload.offset)
        os.ftruncate(handle.fileno(), upload.buffered_bytes)
        if upload.multipart_id:
            return _append_parts(upload, handle, stream, limit=remaining)
        received = _receive(handle, stream, limit=remaining)
        handle.flush()
        if received > remaining:
            os.ftruncate(handle.fileno(), upload.offset)
            raise UploadTooLarge(settings.VIDEO_MAX_UPLOAD_BYTES)
        os.fsync(handle.fileno())
        return _confirm(upload.pk, start=offset, received=received)


def _append_parts(upload: ResumableUpload, handle, stream, *, limit: int):
    """The object-storage variant of appending (see the module's docstring): bytes go
    to the file on disk, and on to the bucket whenever a whole part is there; the
    part and the offset are recorded in one transaction. More bytes than declared:
    what this piece brought since its last part is dropped (413)."""
    target = multipart_target()
    part_bytes = settings.RESUMABLE_UPLOAD_PART_BYTES
    buffered = upload.buffered_bytes
    pending = 0  # bytes of this piece on disk and not yet confirmed
    total = 0
    while total <= limit:
        try:
            data = stream.read(min(READ_BYTES, limit + 1 - total))
        except OSError:  # the connection dropped: keep what arrived
            break
        if not data:
            break
        total += len(data)
        if total > limit:
            os.ftruncate(handle.fileno(), buffered)
            raise UploadTooLarge(settings.VIDEO_MAX_UPLOAD_BYTES)
        handle.write(data)
        buffered += len(data)
        pending += len(data)
        at_end = upload.offset + pending == upload.length
        if buffered >= part_bytes and not at_end:
            upload = _send_part(upload, handle, target, size=buffered, new=pending)
            buffered = pending = 0
    handle.flush()
    if upload.offset + pending == upload.length:
        return _finish_parts(upload, handle, target, size=buffered, new=pending)
    os.fsync(handle.fileno())
    return _confirm(upload.pk, start=upload.offset, received=pending)


def _send_part(upload, handle, target: MultipartTarget, *, size: int, new: int):
    """Send the file's `size` bytes as the next part, record it with the `new`
    bytes it confirms, and empty the file."""
    handle.flush()
    with open(handle.name, "rb") as part:
        etag = target.put(
            upload.object_key,
            upload.multipart_id,
            len(upload.part_etags) + 1,
            part,
            size,
        )
    upload = _confirm(upload.pk, start=upload.offset, received=new, part=(etag, size))
    os.ftruncate(handle.fileno(), 0)
    return upload


def _finish_parts(upload, handle, target: MultipartTarget, *, size: int, new: int):
    """The last piece: its bytes as the last part (smaller parts are allowed last),
    then the parts joined into the object; only then is the upload complete."""
    etags = list(upload.part_etags)
    part = None
    if size or not etags:
        with open(handle.name, "rb") as last:
            etag = target.put(
                upload.object_key, upload.multipart_id, len(etags) + 1, last, size
            )
        part = (etag, size)
        etags.append(etag)
    target.finish(upload.object_key, upload.multipart_id, etags)
    upload = _confirm(
        upload.pk, start=upload.offset, received=new, part=part, finished=True
    )
    os.ftruncate(handle.fileno(), 0)
    return upload


def _receive(handle, stream, *, limit: int) -> int:
    """Copy the stream to the file; stop one byte past `limit` (too large) or at
    the end of what the client sent (a dropped connection ends early)."""
    received = 0
    while received <= limit:
        try:
            data = stream.read(min(READ_BYTES, limit + 1 - received))
        except OSError:  # the connection dropped (UnreadablePostError is one)
            break
        if not data:
            break
        handle.write(data)
        received += len(data)
    return received


def _confirm(
    upload_id,
    *,
    start: int,
    received: int,
    part: tuple[str, int] | None = None,
    finished: bool = False,
) -> ResumableUpload:
    """Move the offset (and record a part sent to the bucket) under the row lock.
    On object storage the upload is complete only once its parts are joined
    (`finished`); on disk, once every byte is there."""
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
        if upload.offset == upload.length and (finished or not upload.multipart_id):
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


def _delete(upload_id) -> None:
    """Delete the row now, and the file (and the bucket's parts or object) once
    that commits."""
    with transaction.atomic():
        row = (
            ResumableUpload.objects.filter(pk=upload_id)
            .values("multipart_id", "completed_at")
            .first()
        )
        ResumableUpload.objects.filter(pk=upload_id).delete()
        path = part_path(upload_id)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
        if row and row["multipart_id"]:
            key = ResumableUpload(pk=upload_id).object_key
            transaction.on_commit(
                lambda: _delete_from_bucket(
                    key, row["multipart_id"], finished=bool(row["completed_at"])
                )
            )


def _delete_from_bucket(key: str, multipart_id: str, *, finished: bool) -> None:
    target = multipart_target()
    if target is None:
        return
    if finished:
        target.client.delete_object(Bucket=target.bucket, Key=key)
    else:
        target.abort(key, multipart_id)


def resumable_uploads_expire(*, now: dt.datetime | None = None) -> int:
    """Delete expired uploads (finished or not) and part files without a row.

    A part file whose row is missing is left alone until it is as old as an expired
    upload could be: its row may still be committing.
    """
    now = now or timezone.now()
    # Read before the expired rows go: their files are deleted with them, not
    # counted again as orphans.
    known = {str(pk) for pk in ResumableUpload.objects.values_list("pk", flat=True)}
    expired = ResumableUpload.objects.filter(expires_at__lte=now)
    count = 0
    for pk in list(expired.values_list("pk", flat=True)):
        _delete(pk)
        count += 1
    oldest = (
        now - dt.timedelta(hours=settings.RESUMABLE_UPLOAD_EXPIRY_HOURS)
    ).timestamp()
    for path in upload_dir().glob("*.part"):
        try:
            stale = path.stat().st_mtime < oldest
        except FileNotFoundError:
            continue
        if path.stem not in known and stale:
            path.unlink(missing_ok=True)
            count += 1
    target = multipart_target()
    if target is not None:
        cutoff = now - dt.timedelta(hours=settings.RESUMABLE_UPLOAD_EXPIRY_HOURS)
        for key, multipart_id, started in target.unfinished("uploads/"):
            if key.removeprefix("uploads/") not in known and started < cutoff:
                target.abort(key, multipart_id)
                count += 1
    return count


class _PartFile(File):
    """The finished part file; `temporary_file_path` lets FileSystemStorage move it
    into place instead of copying 250 MB (object storage streams it in parts)."""

    def temporary_file_path(self) -> str:
        return self.file.name


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
        with _finished_file(upload) as file:
            result = entry_upload(
                participant=participant,
                file=file,
                caption=caption,
                prompt=prompt,
                language=language,
                submission_token=submission_token,
                guardian_email=guardian_email,
            )
        if not result.duplicate:
            _delete(upload.pk)
        return result


@contextlib.contextmanager
def _finished_file(upload: ResumableUpload):
    """The finished upload as a File for entry_upload: the object in the bucket, or
    the part file on disk (open while it is used)."""
    name = upload.filename or "video"
    if upload.multipart_id:
        yield StoredObject(upload.object_key, name=name)
        return
    try:
        handle = part_path(upload.pk).open("rb")
    except FileNotFoundError:
        raise UploadNotFound() from None
    with handle:
        yield _PartFile(handle, name=name)
