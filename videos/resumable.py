"""Files that arrive in pieces (tus resumable uploads): keeping their bytes.

The owner of an upload (challenge.services.uploads, with its ResumableUpload row)
decides who may send what and records how far each upload got; this module keeps
the bytes. It works from plain values (the upload's id, its multipart id) and, while
a piece arrives, from the owner's `UploadLedger`, which says where the upload stands
and records progress under its row lock. It imports no feature app.

Invariants:
- a piece is written under an exclusive flock on the upload's file, so two requests
  never write the same upload at once: the second is refused (`PieceBusy`; tus
  clients retry) and, once the first has finished, finds the offset moved;
- bytes are flushed to disk (fsync) before the ledger moves the offset; a file
  longer than the confirmed bytes (a crash between the two, or a piece refused for
  size) is cut back by the next write, so the server never confirms a byte it does
  not have.

With object storage (S3_PRIVATE_BUCKET), the pieces go to the private bucket as the
parts of one multipart upload (videos.multipart): as soon as the bytes on disk reach
RESUMABLE_UPLOAD_PART_BYTES they are sent as a part, its ETag and the offset are
recorded together, and the file is emptied. The disk then holds only the bytes after
the last part (under one part), and the last piece joins the parts into the object
`uploads/<id>`, which becomes the video's source by a copy inside the bucket. A part
sent but not yet recorded (a crash between the two) is sent again under the same
number, which replaces it.
"""

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.files import File

from core.disk import no_room

from .multipart import MultipartTarget, StoredObject, multipart_target

READ_BYTES = 1024 * 1024  # bounded memory per request, few system calls
KEY_PREFIX = "uploads/"


class PieceRefused(Exception):
    """A piece this module cannot take; the owner tells the sender why."""


class PieceBusy(PieceRefused):
    """Another request is writing this upload right now."""


class PieceTooLong(PieceRefused):
    """More bytes than the upload declared; nothing unconfirmed is kept."""


class PieceOffsetMoved(PieceRefused):
    """The sender's offset is not the confirmed one (`offset`)."""

    def __init__(self, offset: int):
        self.offset = offset
        super().__init__(offset)


class PiecesGone(PieceRefused):
    """The upload's file is missing (cancelled meanwhile, or lost)."""


class PieceNoRoom(PieceRefused):
    """The disk filled up while the piece was written (core.disk.no_room): what it
    brought since the last confirmed byte is cut off again, the upload keeps the
    bytes already confirmed and may go on later."""


class UploadProgress(Protocol):
    """What this module reads of an upload's record (ResumableUpload has it)."""

    pk: uuid.UUID
    length: int
    offset: int  # bytes confirmed, in the file and the bucket's parts together
    stored_bytes: int  # bytes in the parts recorded in part_etags
    multipart_id: str  # "" on local disk
    part_etags: list[str]


class UploadLedger(Protocol):
    """The owner's record of one upload."""

    def current(self) -> UploadProgress:
        """The record as committed now (read again under the file lock)."""

    def confirm(
        self,
        *,
        start: int,
        received: int,
        part: tuple[str, int] | None = None,
        finished: bool = False,
    ) -> UploadProgress:
        """Under the row lock, if the offset is still `start`: move it by
        `received`, record `part` (its ETag and size) sent to the bucket, and
        mark the upload complete when `finished` (its bytes whole and usable)."""


def upload_dir() -> Path:
    """Where pieces are assembled: RESUMABLE_UPLOAD_DIR, private, never served."""
    folder = Path(settings.RESUMABLE_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def part_path(upload_id) -> Path:
    return upload_dir() / f"{uuid.UUID(str(upload_id))}.part"


def object_key(upload_id) -> str:
    """Where a multipart upload assembles in the private bucket."""
    return f"{KEY_PREFIX}{uuid.UUID(str(upload_id))}"


def buffered_bytes(progress: UploadProgress) -> int:
    """Confirmed bytes kept in the file on this server's disk."""
    return progress.offset - progress.stored_bytes


def disk_bytes_to_come(*, remaining: int, multipart: bool) -> int:
    """What an upload still missing `remaining` bytes may add to this server's
    disk: all of them, or with object storage at most one part (the bucket holds
    the rest)."""
    if multipart:
        return min(remaining, settings.RESUMABLE_UPLOAD_PART_BYTES)
    return remaining


def disk_free_bytes() -> int:
    """Free bytes on the disk that holds the part files."""
    return shutil.disk_usage(upload_dir()).free


def multipart_on() -> bool:
    """Whether new uploads go to the private bucket in parts."""
    return multipart_target() is not None


def part_file_create(upload_id) -> None:
    try:
        part_path(upload_id).touch(mode=0o600, exist_ok=False)
    except OSError as error:
        if no_room(error):
            raise PieceNoRoom() from error
        raise


def multipart_start(upload_id) -> str:
    """The bucket's multipart upload for this upload, or "" on local disk."""
    target = multipart_target()
    return "" if target is None else target.start(object_key(upload_id))


def piece_append(
    *, ledger: UploadLedger, offset: int, stream, content_length: int | None
) -> UploadProgress:
    """Append the bytes of `stream` at `offset`; return the upload as confirmed.

    A dropped connection keeps what arrived (flushed and confirmed), so the sender
    resumes from there. More bytes than the declared length: `PieceTooLong`, and
    what this piece brought since its last part is dropped.
    """
    progress = ledger.current()
    if offset != progress.offset:
        raise PieceOffsetMoved(progress.offset)
    if content_length is not None and content_length > progress.length - offset:
        raise PieceTooLong()
    with _locked_part_file(progress.pk) as handle:
        # Under the file lock: a writer that just finished has moved the offset.
        progress = ledger.current()
        if offset != progress.offset:
            raise PieceOffsetMoved(progress.offset)
        confirmed = buffered_bytes(progress)
        if os.fstat(handle.fileno()).st_size < confirmed:
            raise PiecesGone()  # confirmed bytes were lost
        os.ftruncate(handle.fileno(), confirmed)
        return _write_piece(ledger, progress, handle, stream)


def _existing_only(path, flags: int) -> int:
    return os.open(path, flags & ~os.O_CREAT)


@contextlib.contextmanager
def _locked_part_file(upload_id):
    """The upload's file, open for appending under an exclusive lock.

    Never created here: a file that went missing (or a server that does not share
    RESUMABLE_UPLOAD_DIR) must not be refilled with zeros up to the confirmed
    offset; that is `PiecesGone`, like a file shorter than what was confirmed.
    """
    try:
        # Closed by the with below; opening is all the try guards.
        handle = open(part_path(upload_id), "ab", opener=_existing_only)  # noqa: SIM115
    except FileNotFoundError:
        raise PiecesGone() from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PieceBusy() from None
        yield handle


def _write_piece(ledger: UploadLedger, progress: UploadProgress, handle, stream):
    """Copy the stream to the file, stopping one byte past what the upload still
    lacks (too long) or at the end of what the sender sent. With object storage,
    whenever a whole part is on disk (and more is to come) it goes to the bucket
    and is recorded with the offset in one step."""
    target = multipart_target() if progress.multipart_id else None
    part_bytes = settings.RESUMABLE_UPLOAD_PART_BYTES
    limit = progress.length - progress.offset
    confirmed = buffered = buffered_bytes(progress)
    pending = 0  # bytes of this piece on disk and not yet confirmed
    total = 0
    while total <= limit:
        try:
            data = stream.read(min(READ_BYTES, limit + 1 - total))
        except OSError:  # the connection dropped (UnreadablePostError is one)
            break
        if not data:
            break
        total += len(data)
        if total > limit:
            handle.flush()  # or closing the file would append the rest after the cut
            os.ftruncate(handle.fileno(), confirmed)
            raise PieceTooLong()
        try:
            _write_through(handle, data)
        except OSError as error:
            if not no_room(error):
                raise
            os.ftruncate(handle.fileno(), confirmed)
            raise PieceNoRoom() from error
        buffered += len(data)
        pending += len(data)
        at_end = progress.offset + pending == progress.length
        if target is not None and buffered >= part_bytes and not at_end:
            progress = _send_part(
                ledger, progress, handle, target, size=buffered, new=pending
            )
            confirmed = buffered = pending = 0
    handle.flush()
    at_end = progress.offset + pending == progress.length
    if target is not None and at_end:
        return _finish_parts(
            ledger, progress, handle, target, size=buffered, new=pending
        )
    os.fsync(handle.fileno())
    return ledger.confirm(start=progress.offset, received=pending, finished=at_end)


def _write_through(handle, data: bytes) -> None:
    """Append `data` to the file with no buffer in between, so a full disk fails
    here and no unwritten rest is flushed after the file is cut back."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle.fileno(), view) :]


def _send_part(ledger, progress, handle, target: MultipartTarget, *, size, new):
    """Send the file's `size` bytes as the next part, record it with the `new`
    bytes it confirms, and empty the file."""
    handle.flush()
    with open(handle.name, "rb") as part:
        etag = target.put(
            object_key(progress.pk),
            progress.multipart_id,
            len(progress.part_etags) + 1,
            part,
            size,
        )
    progress = ledger.confirm(start=progress.offset, received=new, part=(etag, size))
    os.ftruncate(handle.fileno(), 0)
    return progress


def _finish_parts(ledger, progress, handle, target: MultipartTarget, *, size, new):
    """The last piece: its bytes as the last part (smaller parts are allowed last),
    then the parts joined into the object; only then is the upload complete."""
    key = object_key(progress.pk)
    etags = list(progress.part_etags)
    part = None
    if size or not etags:
        with open(handle.name, "rb") as last:
            etag = target.put(key, progress.multipart_id, len(etags) + 1, last, size)
        part = (etag, size)
        etags.append(etag)
    target.finish(key, progress.multipart_id, etags)
    progress = ledger.confirm(
        start=progress.offset, received=new, part=part, finished=True
    )
    os.ftruncate(handle.fileno(), 0)
    return progress


def upload_files_delete(upload_id, *, multipart_id: str, finished: bool) -> None:
    """Delete the upload's file, and in the bucket its parts (unfinished) or its
    joined object (finished). For after the owner's record is gone (on commit)."""
    part_path(upload_id).unlink(missing_ok=True)
    if not multipart_id:
        return
    target = multipart_target()
    if target is None:
        return
    key = object_key(upload_id)
    if finished:
        target.client.delete_object(Bucket=target.bucket, Key=key)
    else:
        target.abort(key, multipart_id)


def orphans_delete(*, known: set[str], now: dt.datetime) -> int:
    """Delete part files, unfinished multipart uploads and joined objects
    (`uploads/<id>`) whose upload is not in `known` (the ids with a record); how
    many went. A joined object outlives its record when the process stops between
    the commit that deleted the record and the delete after it.

    One younger than an expired upload could be is left alone: its record may
    still be committing.
    """
    cutoff = now - dt.timedelta(hours=settings.RESUMABLE_UPLOAD_EXPIRY_HOURS)
    count = 0
    for path in upload_dir().glob("*.part"):
        try:
            stale = path.stat().st_mtime < cutoff.timestamp()
        except FileNotFoundError:
            continue
        if path.stem not in known and stale:
            path.unlink(missing_ok=True)
            count += 1
    target = multipart_target()
    if target is not None:
        for key, multipart_id, started in target.unfinished(KEY_PREFIX):
            if key.removeprefix(KEY_PREFIX) not in known and started < cutoff:
                target.abort(key, multipart_id)
                count += 1
        for key, modified in target.objects(KEY_PREFIX):
            if key.removeprefix(KEY_PREFIX) not in known and modified < cutoff:
                target.client.delete_object(Bucket=target.bucket, Key=key)
                count += 1
    return count


class _PartFile(File):
    """The finished part file; `temporary_file_path` lets FileSystemStorage move it
    into place instead of copying 250 MB (object storage streams it in parts)."""

    def temporary_file_path(self) -> str:
        return self.file.name


@contextlib.contextmanager
def finished_file(upload_id, *, multipart_id: str, name: str):
    """A finished upload as a File for videos.services.video_create: the joined
    object in the bucket, or the part file on disk (open while it is used)."""
    if multipart_id:
        yield StoredObject(object_key(upload_id), name=name)
        return
    try:
        handle = part_path(upload_id).open("rb")
    except FileNotFoundError:
        raise PiecesGone() from None
    with handle:
        yield _PartFile(handle, name=name)
