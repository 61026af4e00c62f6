"""Writes for videos: create, process, reprocess, sweep, delete files.

Idempotency of `video_process` (the Celery task's body):
- the claim (pending/processing -> processing, attempts + 1) happens under
  select_for_update in its own short transaction, and a ready/failed video is left
  alone, so a duplicate or redelivered message does nothing;
- the files go to deterministic storage names (videos/<id>/video.mp4, poster.webp,
  hls/<rung>/..., hls/master.m3u8 stored last),
  written to a private temp file first and moved into place with os.replace, so a
  second run overwrites instead of adding a file, and a killed run leaves at most a
  temp file (removed by the sweep);
- the final state change happens in one transaction that also calls
  videos.owners.notify_finished.

Deletes win every race (docs/decisions.md, "A delete always wins"): `video_delete`
turns the row into a tombstone (status `deleted`, its file fields emptied) under the
row lock, and deletes the files after commit. Every write of the pipeline is
followed by a look at the row under that same lock (`_claim`, `_finish_ready`,
`video_ladder_add`): a run that finds a tombstone deletes what it wrote and stops,
so no file outlives the delete, whichever commits first. `video_tombstones_sweep`
deletes the files again once no run can still be writing, and then the row if
nothing points at it; `video_orphans_sweep` compares the whole `videos/` folder of
the storage with the rows.

Storage I/O happens outside database transactions: an upload is stored first
(`video_stored`), then recorded in a short transaction (`video_record`); what was
stored and not recorded is deleted at once, or by the orphan sweep.
"""

import contextlib
import datetime as dt
import fcntl
import logging
import os
import shutil
import time
import traceback
import uuid
from datetime import timedelta
from pathlib import Path

from botocore.exceptions import ConnectionError as StorageConnectionError
from botocore.exceptions import HTTPClientError as StorageHTTPClientError
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from core.disk import no_room
from core.jobs import enqueue, enqueue_on_commit
from core.journal import deletion_record
from videos import bounded, jobs, owners
from videos.models import Video, private_storage
from videos.multipart import multipart_target
from videos.pipeline import (
    HLS_MASTER,
    STAGE_REVIEW,
    STAGE_TOP,
    STAGE_WHOLE,
    Limits,
    PipelineTimeout,
    VideoRejected,
    describe_exception,
)

logger = logging.getLogger(__name__)

# What storage raises when it cannot take or give a file right now (a full or
# broken disk, an object store that cannot be reached or broke off).
STORAGE_DOWN = (OSError, StorageConnectionError, StorageHTTPClientError)
# Worth another try later: storage hiccups, the database or broker being away.
# A bad file never raises these (it ends `failed` inside video_process).
TRANSIENT_ERRORS = (
    *STORAGE_DOWN,
    DatabaseOperationalError,
    DatabaseInterfaceError,
    BrokerOperationalError,
)


class StorageUnavailable(Exception):
    """An upload could not be stored; nothing was recorded. Try again later."""


class StorageFull(StorageUnavailable):
    """The disk had no room for the upload (core.disk.no_room); what was written of
    it is deleted, nothing was recorded."""


OUTPUT_NAME = "videos/{id}/video.mp4"
# A review copy's MP4 (the highest rung it made, remuxed): its own name, so the top
# MP4 never replaces a file a player may be reading, and it goes once that is named.
REVIEW_OUTPUT_NAME = "videos/{id}/review.mp4"
POSTER_NAME = "videos/{id}/poster.webp"
SOURCE_NAME = "videos/{id}/source"
STREAM_FOLDER = "videos/{id}/hls"
# The master playlist once the top rung joins a review copy's: a name of its own,
# so the review copy's master (what the row names until the top rung's files are
# all stored and the row says so) never names a rung the row does not know.
WHOLE_MASTER = "whole.m3u8"


def temp_root() -> Path:
    """Where the pipeline writes before moving into storage: DATA_DIR/tmp/videos."""
    folder = Path(settings.DATA_DIR) / "tmp" / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def video_create(*, file, original_name: str) -> Video:
    """Store an upload as a new pending video and queue it once the caller commits.

    `file` is a Django File/UploadedFile; the storage moves a TemporaryUploadedFile
    into place or copies it by chunks, never reading it whole. A
    `videos.multipart.StoredObject` (already in the private bucket) is copied there.
    For a caller with rows of its own to write, `video_stored` + `video_record`.
    """
    with (
        video_stored(file=file, original_name=original_name) as video,
        transaction.atomic(),
    ):
        video_record(video=video)
    return video


@contextlib.contextmanager
def video_stored(*, file, original_name: str):
    """Store the upload, outside any transaction, and give it as an unsaved pending
    Video; record it with `video_record` in a short transaction inside the block:

        with video_stored(file=f, original_name=n) as video:
            with transaction.atomic():
                ...  # locks and checks
                video_record(video=video)

    Storage I/O (seconds for 250 MB) never happens while a row lock is held. When
    the block ends and no row records the video (an error, a refusal, a rollback),
    the stored file is deleted at once. Should that fail, or a transaction around
    the caller roll back later, the orphan sweep finds the object without a row
    (`video_orphans_sweep`). Raises StorageUnavailable when nothing could be stored.
    """
    storage = private_storage()
    video = Video(original_name=(original_name or "")[:255])
    stored_name = getattr(file, "stored_name", None)  # a multipart.StoredObject
    try:
        if stored_name:
            name = SOURCE_NAME.format(id=video.pk)
            multipart_target().copy(stored_name, name)
        else:
            name = storage.save(SOURCE_NAME.format(id=video.pk), file)
        video.source.name = name
        video.source_size = storage.size(name)
    except STORAGE_DOWN as error:
        logger.warning("video %s not stored: %s", video.pk, error)
        _forget_unrecorded(video)
        unavailable = StorageFull if no_room(error) else StorageUnavailable
        raise unavailable(str(error)) from error
    try:
        yield video
    finally:
        if not _recorded(video):
            _forget_unrecorded(video)


@contextlib.contextmanager
def video_poster_stored(*, poster: bytes, width: int, height: int):
    """Like `video_stored`, for a video that plays on another site: its poster
    (WebP bytes the caller has made safe) is stored outside any transaction and
    given as an unsaved READY video with `plays_elsewhere`; record it with
    `video_poster_record` inside the block. Nothing is ever sent to the pipeline.
    When the block ends and no row records it, the poster is deleted at once."""
    video = Video(
        status=Video.Status.READY,
        plays_elsewhere=True,
        width=width,
        height=height,
    )
    name = POSTER_NAME.format(id=video.pk)
    try:
        video.poster.name = private_storage().save(name, ContentFile(poster))
    except STORAGE_DOWN as error:
        logger.warning("poster of %s not stored: %s", video.pk, error)
        _delete_quietly(name)
        raise StorageUnavailable(str(error)) from error
    try:
        yield video
    finally:
        if not _recorded(video):
            _delete_quietly(video.poster.name)


def video_poster_record(*, video: Video) -> Video:
    """Save a video given by `video_poster_stored` (inside the caller's transaction)."""
    video.processed_at = timezone.now()
    video.save(force_insert=True)
    return video


def video_record(*, video: Video) -> Video:
    """Save a video given by `video_stored` and queue it once the caller commits.
    Inside the caller's (short) transaction."""
    video.save(force_insert=True)
    transaction.on_commit(lambda: _enqueue(video.pk))
    return video


def _recorded(video: Video) -> bool:
    """Does a row (committed, or in a transaction still open around us) record the
    video? When the database cannot say, yes: never delete a file a row may name
    (the orphan sweep decides later, from a database that answers)."""
    if video._state.adding:
        return False
    try:
        return Video.objects.filter(pk=video.pk).exists()
    except Exception:  # noqa: BLE001 - a broken transaction, the database away
        logger.warning("video %s: cannot tell whether it was recorded", video.pk)
        return True


def _forget_unrecorded(video: Video) -> None:
    """Delete what video_stored may have written (nothing, part of it or all)."""
    _delete_quietly(video.source.name or SOURCE_NAME.format(id=video.pk))


def _delete_quietly(name: str) -> None:
    """Delete one stored file; a storage that is down leaves it to the orphan
    sweep (video_orphans_sweep) rather than failing work already done."""
    try:
        private_storage().delete(name)
    except STORAGE_DOWN as error:
        logger.warning("%s left to the orphan sweep: %s", name, error)


def video_teaser_create(*, parts: list[tuple]) -> Video | None:
    """A new ready Video cut from other ready videos (videos/teaser.py): `parts` is
    (video id, start, end) in order. The caller records who owns it (the stories
    app's Teaser); until then no owner claims it and nobody but a superuser sees
    it. None when a source is no longer ready (replaced or deleted meanwhile: the
    caller's next run starts from the rows again).

    The files are stored under the new video's names first, outside any
    transaction, and the row is saved after them; a run killed in between leaves
    files without a row, which the orphan sweep deletes."""
    from videos.teaser import Part, cut_teaser

    video = Video(status=Video.Status.READY, original_name="teaser.mp4")
    deadline = time.monotonic() + settings.VIDEO_SOFT_TIME_LIMIT
    with _work_folder(video.pk) as work:
        pieces = []
        for index, (video_id, start, end) in enumerate(parts):
            source = Video.objects.filter(pk=video_id).first()
            if source is None or not source.is_ready:
                logger.info("teaser: video %s is not ready, not cut", video_id)
                return None
            pieces.append(
                Part(_local_copy(source.output, work, f"part{index}"), start, end)
            )
        found = cut_teaser(
            pieces,
            work / "video.mp4",
            work / "poster.webp",
            max_pixels=settings.VIDEO_MAX_PIXELS,
            deadline=deadline,
        )
        video.output.name = _store(work / "video.mp4", OUTPUT_NAME.format(id=video.pk))
        video.poster.name = _store(
            work / "poster.webp", POSTER_NAME.format(id=video.pk)
        )
        video.output_size = private_storage().size(video.output.name)
    video.duration = found["duration"]
    video.width, video.height = found["width"], found["height"]
    video.probe = {"teaser": {"parts": len(parts), "frames": found["frames"]}}
    video.processed_at = timezone.now()
    video.save(force_insert=True)
    return video


def _local_copy(fieldfile, work: Path, name: str) -> Path:
    """A local path to a stored file: its own path on disk, else a chunked copy
    named `name` in `work`."""
    storage = fieldfile.storage
    try:
        return Path(storage.path(fieldfile.name))
    except NotImplementedError:
        local = work / name
        with storage.open(fieldfile.name, "rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        return local


def _enqueue(video_id) -> None:
    """Send the video to a worker; a broker that is down leaves it `pending` for
    video_sweep to send again (core.jobs)."""
    enqueue(jobs.PROCESS_VIDEO, str(video_id))


def video_process(*, video_id) -> Video | None:
    """Run the pipeline for one video. Safe to call any number of times.

    Raises only transient errors (storage OSError, database OperationalError) for
    the task to retry; every problem with the file itself ends in `failed`.
    """
    video = _claim(video_id)
    if video is not None and video.status == Video.Status.DELETED:
        # Deleted while waiting, or between a transient error and this retry
        # (which may have stored some files): make sure none is left.
        _files_delete_quietly(video.pk)
        return video
    if video is None or video.status != Video.Status.PROCESSING:
        return video

    deadline = time.monotonic() + settings.VIDEO_SOFT_TIME_LIMIT
    limits = Limits.from_settings(deadline=deadline)
    # Participants' videos are made as a review copy first, the top rung once the
    # owner wants it (video_top_make); episodes get the whole ladder at once.
    review_first = settings.VIDEO_REVIEW_COPY_FIRST and owners.video_review_first(video)
    stage = STAGE_REVIEW if review_first else STAGE_WHOLE
    with _work_folder(video.pk) as work:
        return _process_claimed(video, work, limits, stage)


def _process_claimed(
    video: Video, work: Path, limits: Limits, stage: str = STAGE_WHOLE
) -> Video | None:
    info = None
    try:
        try:
            source = _local_source(video, work)
            info, result = run_pipeline(source, work, limits, stage=stage)
        except VideoRejected as rejected:
            return _finish_failed(
                video.pk,
                code=rejected.code,
                params=rejected.params,
                detail=rejected.detail,
                probe=rejected.probe,
            )
        except (PipelineTimeout, SoftTimeLimitExceeded) as error:
            return _finish_failed(
                video.pk, code="timeout", params={}, detail=describe_exception(error)
            )
        except MemoryError as error:
            # FFmpeg's ENOMEM arrives as a MemoryError too: this file needs more
            # memory than we give a transcode, and will again next time.
            return _finish_failed(
                video.pk,
                code="too_demanding",
                params={},
                detail=describe_exception(error),
                probe=info,
            )
        except TRANSIENT_ERRORS:
            raise  # storage, database or broker trouble: the task retries
        except Exception as error:
            # A decoder or muxer blowing up on this file: retrying will not help.
            logger.exception("video %s could not be processed", video.pk)
            return _finish_failed(
                video.pk,
                code="unprocessable",
                params={},
                detail=describe_exception(error) + "\n" + traceback.format_exc(),
                probe=info,
            )
        if _is_tombstone(video.pk):
            return None  # deleted while it was transcoded: store nothing
        stream_name = _store_ladder(work / "hls", STREAM_FOLDER.format(id=video.pk))
        output = OUTPUT_NAME if result.whole else REVIEW_OUTPUT_NAME
        output_name = _store(work / "video.mp4", output.format(id=video.pk))
        poster_name = _store(work / "poster.webp", POSTER_NAME.format(id=video.pk))
        finished = _finish_ready(
            video.pk, info, result, output_name, poster_name, stream_name
        )
        if finished.status == Video.Status.DELETED:
            # Deleted while the files were stored: the delete's own cleanup may
            # have run before they arrived. Ours runs after, so none survives.
            video_files_delete(video_id=video.pk)
        return finished
    except TRANSIENT_ERRORS as error:
        _give_back(video.pk, error)
        raise


# The file a run of the pipeline keeps locked (flock) in its temp folder while it
# works there: a delete removes the folders of runs that died, never a live one's.
IN_USE = ".in-use"


@contextlib.contextmanager
def _work_folder(video_id):
    """A fresh temp folder for one run, locked while the run uses it and removed
    after. The lock dies with the process, so a killed run's folder is free. It is
    made under a hidden name and locked before it gets its real one, so a folder
    seen under the real name without a lock held is never a live run's."""
    name = f"{video_id}-{uuid.uuid4().hex[:8]}"
    staging, work = temp_root() / f".{name}", temp_root() / name
    staging.mkdir()
    try:
        with (staging / IN_USE).open("w") as mark:
            fcntl.flock(mark, fcntl.LOCK_EX)
            staging.rename(work)
            yield work
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def _abandoned_work_delete(video_id) -> None:
    """Remove this machine's temp folders of the video that no live run holds (a
    killed run's half-written files)."""
    for folder in temp_root().glob(f"{video_id}-*"):
        try:
            mark = (folder / IN_USE).open("r")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            shutil.rmtree(folder, ignore_errors=True)  # made before the lock existed
            continue
        except OSError:
            continue
        with mark:
            try:
                fcntl.flock(mark, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a run is working there; it removes its folder itself
            shutil.rmtree(folder, ignore_errors=True)


def _give_back(video_id, error: Exception) -> None:
    """A transient error is not the file's fault: the video waits again and the
    attempt is not counted (VIDEO_MAX_ATTEMPTS is for files that crash or hang the
    worker; a 10 s storage cut used to use up all three). Best effort: when the
    database is what failed, the attempt stays counted."""
    try:
        Video.objects.filter(pk=video_id, status=Video.Status.PROCESSING).update(
            status=Video.Status.PENDING,
            attempts=Greatest(F("attempts") - 1, 0),
            failure_detail=f"waiting after a transient error: {error}"[:10_000],
        )
    except TRANSIENT_ERRORS:
        logger.warning("video %s: could not give back the attempt", video_id)


def run_pipeline(
    source: Path,
    work: Path,
    limits: Limits,
    *,
    with_mp4: bool = True,
    stage: str = STAGE_WHOLE,
    made: list | None = None,
):
    """Probe and transcode in a child process under VIDEO_WORKER_MEMORY_MB (see
    videos.bounded); returns (probe info, pipeline.Result)."""
    return bounded.run(
        source,
        work,
        limits,
        memory_mb=settings.VIDEO_WORKER_MEMORY_MB,
        with_mp4=with_mp4,
        stage=stage,
        made=made,
    )


def video_ladder_add(*, video_id) -> str:
    """Give a ready video made before streaming its HLS ladder and a new poster.

    Returns what happened: "done", "skipped" (not ready, or it has a ladder) or
    "failed: <reason>" (the video itself stays ready and keeps its MP4).

    Safe to run again and to run twice at once: the video stays `ready` and served
    as an MP4 throughout; the files go to the same fixed names as video_process
    (the master playlist last) and `stream` is set only once every file is in
    place, under a row lock, so a killed run leaves the video as it was.
    """
    video = Video.objects.filter(pk=video_id).first()
    if video is None or not video.is_ready or video.stream:
        return "skipped"
    limits = Limits.from_settings(
        deadline=time.monotonic() + settings.VIDEO_SOFT_TIME_LIMIT
    )
    with _work_folder(video.pk) as work:
        return _ladder_add(video, work, limits)


def _ladder_add(video: Video, work: Path, limits: Limits) -> str:
    # The kept original (an episode's master) is the better source; an entry's
    # upload is gone, and its processed MP4 is clean and upright.
    field = video.source if video.source else video.output
    try:
        source = _local_file(field, work)
        _info, result = run_pipeline(source, work, limits, with_mp4=False)
    except (VideoRejected, PipelineTimeout, MemoryError) as error:
        logger.warning("video %s: no ladder: %s", video.pk, error)
        return f"failed: {describe_exception(error)}"
    stream_name = _store_ladder(work / "hls", STREAM_FOLDER.format(id=video.pk))
    poster_name = _store(work / "poster.webp", POSTER_NAME.format(id=video.pk))
    with transaction.atomic():
        locked = Video.objects.select_for_update().filter(pk=video.pk).first()
        deleted = locked is None or locked.status == Video.Status.DELETED
        if deleted or locked.stream or not locked.is_ready:
            locked = None
        else:
            locked.stream.name = stream_name
            locked.ladder = result.ladder
            locked.poster.name = poster_name
            locked.save(update_fields=["stream", "ladder", "poster", "updated_at"])
    if deleted:
        video_files_delete(video_id=video.pk)  # what we just stored, too
    return "done" if locked is not None else "skipped"


def _claim(video_id) -> Video | None:
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None:
            logger.info("video %s is gone; nothing to process", video_id)
            return None
        if video.status in (
            Video.Status.READY,
            Video.Status.FAILED,
            Video.Status.DELETED,
        ):
            return video
        if video.attempts >= settings.VIDEO_MAX_ATTEMPTS:
            # A poison file (it crashed or hung the worker every time): stop here.
            # Transient errors give their attempt back (_give_back).
            video.status = Video.Status.FAILED
            video.failure_code = "internal"
            video.failure_params = {}
            video.failure_detail = (
                f"gave up after {video.attempts} attempts"
                + (f"\n{video.failure_detail}" if video.failure_detail else "")
            )[:10_000]
            video.processed_at = timezone.now()
            video.save()
            owners.notify_finished(video)
            return video
        video.status = Video.Status.PROCESSING
        video.attempts += 1
        video.processing_started_at = timezone.now()
        video.save(
            update_fields=["status", "attempts", "processing_started_at", "updated_at"]
        )
        return video


def _local_source(video: Video, work: Path) -> Path:
    """A local path to the original (FileSystemStorage path, else a chunked copy)."""
    if not video.source:
        raise VideoRejected("empty", "no source file recorded")
    return _local_file(video.source, work)


def _local_file(fieldfile, work: Path) -> Path:
    storage = fieldfile.storage
    try:
        return Path(storage.path(fieldfile.name))
    except NotImplementedError:
        local = work / "source"
        with storage.open(fieldfile.name, "rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        return local


def _store_ladder(folder: Path, prefix: str) -> str:
    """Store the ladder's files under `prefix`, the master playlist last (a player
    that finds it finds every file it names); returns the master's storage name."""
    master = folder / HLS_MASTER
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path != master and not path.name.startswith("."):
            _store(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return _store(master, f"{prefix}/{HLS_MASTER}")


def _store(temp_file: Path, name: str) -> str:
    """Move a finished temp file to its fixed storage name, replacing any old one."""
    storage = private_storage()
    try:
        target = Path(storage.path(name))
    except NotImplementedError:
        storage.delete(name)
        with temp_file.open("rb") as handle:
            return storage.save(name, handle)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    if _same_device(temp_file, target.parent):
        os.replace(temp_file, staged)
    else:
        shutil.copyfile(temp_file, staged)
    os.replace(staged, target)
    return name


def _same_device(path: Path, folder: Path) -> bool:
    return path.stat().st_dev == folder.stat().st_dev


def _finish_ready(
    video_id, info, result, output_name, poster_name, stream_name
) -> Video:
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        if video.status in (Video.Status.READY, Video.Status.DELETED):
            # READY: another run finished first; its files are ours too.
            # DELETED: the caller deletes what it stored, after this lock.
            return video
        video.status = Video.Status.READY
        video.output.name = output_name
        video.poster.name = poster_name
        video.stream.name = stream_name
        video.ladder = result.ladder
        video.output_size = result.output_size
        video.duration = result.duration
        video.width = result.width
        video.height = result.height
        video.probe = {**info, "pipeline": result.stats}
        video.failure_code = ""
        video.failure_params = {}
        video.failure_detail = ""
        video.processed_at = timezone.now()
        if result.whole:
            video.top_rung = Video.TopRung.WHOLE
            # Keep less: the checked, metadata-free output exists; the original
            # (GPS, device and date tags) goes once this commits.
            _release_source(video)
        else:
            # A review copy: the original stays for the top rung (video_top_make)
            # until the owner wants it made or never will.
            video.top_rung = Video.TopRung.WAITING
        video.save()
        owners.notify_finished(video)
    return video


def _release_source(video: Video) -> None:
    """Inside the row lock: forget the original unless its owner keeps it, and
    delete it once the transaction commits."""
    if not video.source or owners.video_keeps_source(video):
        return
    source = video.source.name
    video.source.name = ""
    transaction.on_commit(lambda: _delete_quietly(source))


def _finish_failed(video_id, *, code, params, detail, probe=None) -> Video:
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        if video.status in (Video.Status.READY, Video.Status.DELETED):
            return video
        video.status = Video.Status.FAILED
        video.failure_code = code
        video.failure_params = params or {}
        video.failure_detail = (detail or "")[:10_000]
        if probe:
            video.probe = probe
        video.processed_at = timezone.now()
        video.save()
        owners.notify_finished(video)
    logger.info("video %s failed: %s (%s)", video_id, code, detail)
    return video


# --- The top rung of a review copy ------------------------------------------------


def video_top_request(*, video_id) -> bool:
    """The owner wants the top rung of a review copy now (an entry approved): mark
    it queued and send it to a worker once the caller commits. A conditional update,
    so a second approval (a restore, a bulk action) sends nothing more; the sweep
    sends it again if the message is lost. False when there is nothing to make."""
    now = timezone.now()
    queued = Video.objects.filter(
        pk=video_id, status=Video.Status.READY, top_rung=Video.TopRung.WAITING
    ).update(top_rung=Video.TopRung.QUEUED, top_requested_at=now, updated_at=now)
    if queued:
        enqueue_on_commit(jobs.MAKE_TOP_RUNG, str(video_id))
    return bool(queued)


def video_top_recheck(*, video_id, countdown: float | None = None) -> None:
    """Ask again later (after `countdown` seconds) whether the owner wants the top
    rung: a rejection, once it can no longer be undone, releases the original."""
    enqueue_on_commit(jobs.MAKE_TOP_RUNG, str(video_id), countdown=countdown)


def video_top_make(*, video_id) -> Video | None:
    """Make the top rung of a review copy (and the MP4 at its size) and add it to
    the video's playlist; the video stays ready and served throughout. Safe to call
    any number of times (the Celery task's body), like video_process:

    - the claim happens under the row lock and asks the owner first
      (videos.owners.video_top_rung): TOP_DROP releases the original and makes
      nothing, TOP_WAIT leaves the video waiting, TOP_MAKE claims it (`making`,
      top_attempts + 1, VIDEO_MAX_ATTEMPTS for a file that kills the worker);
    - the files go to names no reader uses yet (hls/<top>/..., hls/whole.m3u8,
      video.mp4), and the row names them in one transaction, which also forgets the
      review copy's MP4 and master (deleted on commit);
    - a tombstone found at the end (a withdrawal, an erasure) deletes every file of
      the video and stops; an owner that no longer wants the top rung (the entry
      removed meanwhile) gets what was written deleted and its original released.

    Raises only transient errors, for the task to retry (the attempt given back).
    """
    video = _top_claim(video_id)
    if video is not None and video.status == Video.Status.DELETED:
        _files_delete_quietly(video.pk)
        return video
    if video is None or video.top_rung != Video.TopRung.MAKING:
        return video
    limits = Limits.from_settings(
        deadline=time.monotonic() + settings.VIDEO_SOFT_TIME_LIMIT
    )
    with _work_folder(video.pk) as work:
        return _top_make_claimed(video, work, limits)


def _top_claim(video_id) -> Video | None:
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None or video.status == Video.Status.DELETED:
            return video
        if video.status != Video.Status.READY or not video.top_rung_pending:
            return video
        wish = owners.video_top_rung(video)
        if wish == owners.TOP_DROP:
            video.top_rung = Video.TopRung.DROPPED
            _release_source(video)
            video.save()
            return video
        if wish == owners.TOP_WAIT:
            video.top_rung = Video.TopRung.WAITING
            video.save(update_fields=["top_rung", "updated_at"])
            return video
        if video.top_attempts >= settings.VIDEO_MAX_ATTEMPTS:
            _top_give_up(video, f"gave up after {video.top_attempts} attempts")
            return video
        video.top_rung = Video.TopRung.MAKING
        video.top_attempts += 1
        video.top_started_at = timezone.now()
        video.save(
            update_fields=["top_rung", "top_attempts", "top_started_at", "updated_at"]
        )
        return video


def _top_make_claimed(video: Video, work: Path, limits: Limits) -> Video | None:
    try:
        try:
            source = _local_source(video, work)
            _info, result = run_pipeline(
                source, work, limits, stage=STAGE_TOP, made=video.ladder
            )
        except TRANSIENT_ERRORS:
            raise
        except (VideoRejected, PipelineTimeout, SoftTimeLimitExceeded) as error:
            return _top_failed(video.pk, describe_exception(error))
        except Exception as error:  # noqa: BLE001 - the file, not the moment
            logger.exception("video %s: no top rung", video.pk)
            return _top_failed(video.pk, describe_exception(error))
        if _is_tombstone(video.pk):
            video_files_delete(video_id=video.pk)
            return None
        stored = _store_top(work, video.pk, result.ladder[-1]["name"])
        finished, keep = _top_finish(video.pk, result, stored)
        if finished.status == Video.Status.DELETED:
            video_files_delete(video_id=video.pk)
        elif not keep:
            for name in stored:
                _delete_quietly(name)
        return finished
    except TRANSIENT_ERRORS as error:
        _top_give_back(video.pk, error)
        raise


def _store_top(work: Path, video_id, top: str) -> list[str]:
    """Store the top rung, then its master under WHOLE_MASTER, then the MP4; the
    names stored, in that order (the master is second to last, the MP4 last)."""
    prefix = STREAM_FOLDER.format(id=video_id)
    folder = work / "hls" / top
    stored = [
        _store(path, f"{prefix}/{top}/{path.name}")
        for path in sorted(folder.iterdir())
        if path.is_file() and not path.name.startswith(".")
    ]
    stored.append(_store(work / "hls" / HLS_MASTER, f"{prefix}/{WHOLE_MASTER}"))
    stored.append(_store(work / "video.mp4", OUTPUT_NAME.format(id=video_id)))
    return stored


def _top_finish(video_id, result, stored: list[str]) -> tuple[Video, bool]:
    """Name the top rung's files under the row lock; (video, keep what we stored)."""
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        if video.status == Video.Status.DELETED:
            return video, False
        if video.top_rung != Video.TopRung.MAKING:
            # Another run finished first: the same files under the same names.
            return video, video.top_rung == Video.TopRung.WHOLE
        if owners.video_top_rung(video) == owners.TOP_DROP:
            video.top_rung = Video.TopRung.DROPPED
            _release_source(video)
            video.save()
            return video, False
        old = {video.output.name, video.stream.name} - {"", *stored}
        video.stream.name = stored[-2]
        video.output.name = stored[-1]
        video.ladder = result.ladder
        video.output_size = result.output_size
        video.width = result.width
        video.height = result.height
        video.top_rung = Video.TopRung.WHOLE
        video.probe = {
            **(video.probe or {}),
            "top_rung": result.stats,
        }
        _release_source(video)
        video.save()
        for name in old:
            transaction.on_commit(lambda name=name: _delete_quietly(name))
    return video, True


def _top_failed(video_id, detail: str) -> Video:
    """The top rung cannot be made from this file (a timeout, memory, a crash):
    the video stays public with the review copy's rungs."""
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video_id)
        if video.top_rung == Video.TopRung.MAKING:
            _top_give_up(video, detail)
    logger.warning("video %s: no top rung: %s", video_id, detail)
    return video


def _top_give_up(video: Video, detail: str) -> None:
    video.top_rung = Video.TopRung.FAILED
    video.failure_detail = f"top rung: {detail}"[:10_000]
    _release_source(video)
    video.save()


def _top_give_back(video_id, error: Exception) -> None:
    """A transient error: back to queued, the attempt not counted (as _give_back)."""
    try:
        Video.objects.filter(pk=video_id, top_rung=Video.TopRung.MAKING).update(
            top_rung=Video.TopRung.QUEUED,
            top_attempts=Greatest(F("top_attempts") - 1, 0),
            top_requested_at=timezone.now(),
        )
    except TRANSIENT_ERRORS:
        logger.warning("video %s: could not give back the top attempt", video_id)


def video_reprocess(*, video: Video) -> bool:
    """Send a failed or stuck video through the pipeline again (staff action).

    Ready videos are left alone: they may be live, and owners react to a finish;
    deleted ones too (a tombstone never comes back).
    """
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        if locked.status in (Video.Status.READY, Video.Status.DELETED):
            return False
        locked.status = Video.Status.PENDING
        locked.attempts = 0
        locked.failure_code = ""
        locked.failure_params = {}
        locked.failure_detail = ""
        locked.processing_started_at = None
        locked.save()
        transaction.on_commit(lambda: _enqueue(locked.pk))
    return True


def video_delete(*, video_id) -> bool:
    """Delete a video: a tombstone now, under the row lock, and its files once the
    caller commits. Every delete of a participant's video comes here (withdrawal,
    a guardian's refusal or revocation, "cancel" at the kindness prompt, an
    abandoned prompt, retention, account deletion). False when it was one already.

    Must run inside the caller's transaction (the delete and the reason for it
    commit together). The row stays, with its file fields emptied: a worker that
    finishes later finds it and deletes what it wrote (video_process), the media
    view serves nothing of it, and video_tombstones_sweep removes it once its files
    are gone and no row points at it.
    """
    locked = Video.objects.select_for_update().filter(pk=video_id).first()
    if locked is None:
        return False
    transaction.on_commit(lambda: _files_delete_quietly(video_id))
    if locked.status == Video.Status.DELETED:
        return False
    deletion_record("video", video_id)
    now = timezone.now()
    # Nothing of the upload stays: its name (often a child's own words), the probe
    # (its tags) and the worker's detail go with the files.
    Video.objects.filter(pk=video_id).update(
        status=Video.Status.DELETED,
        deleted_at=now,
        files_deleted_at=None,
        original_name="",
        probe={},
        failure_detail="",
        source="",
        output="",
        poster="",
        stream="",
        ladder=[],
        updated_at=now,
    )
    return True


@transaction.atomic
def video_delete_replay(line: dict) -> bool:
    """The deletion journal's replayer for videos (core.journal): a video restored
    from a backup taken before its delete becomes a tombstone again, and its
    restored files go on commit."""
    return video_delete(video_id=line["id"])


def video_files_delete(*, video_id) -> None:
    """Delete every stored file of a video: everything under videos/<id>/ (the
    original, the MP4, the poster, the HLS ladder, a killed run's staged files),
    and the temp folders of runs on this machine that died (never a live run's:
    it finds the tombstone and clears up itself). Storage I/O: call it outside
    transactions (on commit). Raises STORAGE_DOWN."""
    _abandoned_work_delete(video_id)
    storage = private_storage()
    folder = f"videos/{video_id}"
    _delete_folder(storage, folder)
    try:
        local = Path(storage.path(folder))
    except NotImplementedError:
        return
    shutil.rmtree(local, ignore_errors=True)  # the empty folders


def _files_delete_quietly(video_id) -> None:
    """video_files_delete for after commit: a storage that is down must not turn a
    committed delete into an error page; the tombstone sweep deletes them later."""
    try:
        video_files_delete(video_id=video_id)
    except STORAGE_DOWN as error:
        logger.warning("video %s: files left to the sweep: %s", video_id, error)


def _is_tombstone(video_id) -> bool:
    return Video.objects.filter(pk=video_id, status=Video.Status.DELETED).exists()


def video_delete_files(*, video: Video) -> None:
    """Delete every file of a video and empty its file fields, keeping its status
    (an episode's replaced video, tests). A participant's video is deleted with
    video_delete, which leaves a tombstone the pipeline respects."""
    video_files_delete(video_id=video.pk)
    Video.objects.filter(pk=video.pk).update(
        source="", output="", poster="", stream="", ladder=[], updated_at=timezone.now()
    )
    video.source.name = video.output.name = video.poster.name = ""
    video.stream.name = ""
    video.ladder = []


def _delete_folder(storage, prefix: str) -> None:
    """Every file under `prefix` (object storage has no folders to remove)."""
    try:
        folders, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        storage.delete(f"{prefix}/{name}")
    for folder in folders:
        _delete_folder(storage, f"{prefix}/{folder}")


def video_sweep(*, now=None) -> dict:
    """Re-queue videos that stalled and remove abandoned temp files.

    Stalled: `processing` since before VIDEO_STUCK_AFTER_SECONDS (the worker died or
    the message was lost), or `pending` for that long (the enqueue was lost). The
    task's claim enforces VIDEO_MAX_ATTEMPTS, so a poison file ends failed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.VIDEO_STUCK_AFTER_SECONDS)
    stuck = list(
        Video.objects.filter(
            status=Video.Status.PROCESSING, processing_started_at__lt=cutoff
        ).values_list("pk", flat=True)
    ) + list(
        Video.objects.filter(
            status=Video.Status.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for video_id in stuck:
        transaction.on_commit(lambda video_id=video_id: _enqueue(video_id))
    # A top rung whose worker died (`making` too long) or whose message was lost
    # (`queued` too long): sent again; its claim counts the attempts.
    top_stuck = list(
        Video.objects.filter(status=Video.Status.READY)
        .filter(
            Q(top_rung=Video.TopRung.MAKING, top_started_at__lt=cutoff)
            | Q(top_rung=Video.TopRung.QUEUED, top_requested_at__lt=cutoff)
        )
        .values_list("pk", flat=True)
    )
    for video_id in top_stuck:
        enqueue_on_commit(jobs.MAKE_TOP_RUNG, str(video_id))

    removed = 0
    active = {
        str(pk)
        for pk in Video.objects.filter(
            Q(status=Video.Status.PROCESSING, processing_started_at__gte=cutoff)
            | Q(top_rung=Video.TopRung.MAKING, top_started_at__gte=cutoff)
        ).values_list("pk", flat=True)
    }
    oldest = cutoff.timestamp()
    for entry in temp_root().iterdir():
        video_id = entry.name.split("-", 5)[:5]
        if "-".join(video_id) in active:
            continue
        try:
            if entry.stat().st_mtime >= oldest:
                continue
        except FileNotFoundError:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    if stuck or top_stuck or removed:
        logger.info(
            "video sweep: re-queued %d (+%d top rungs), removed %d temp",
            len(stuck),
            len(top_stuck),
            removed,
        )
    return {
        "requeued": [str(pk) for pk in stuck],
        "top_requeued": [str(pk) for pk in top_stuck],
        "temp_removed": removed,
    }


def video_tombstones_sweep(*, now=None) -> dict:
    """Finish what deletes started: delete the files of tombstones once no run of
    the pipeline can still be writing them (deleted more than VIDEO_HARD_TIME_LIMIT
    ago: a run that began before the delete has ended or been killed, and later
    runs stop at the tombstone), then remove the tombstones whose files are gone
    and that no row points at (an entry keeps its video's tombstone for its
    history; an account's or a cancelled prompt's are removed).

    Storage I/O runs outside transactions; a storage that is down leaves the rest
    for the next sweep.
    """
    now = now or timezone.now()
    settled = now - timedelta(seconds=settings.VIDEO_HARD_TIME_LIMIT)
    purged = 0
    waiting = Video.objects.filter(
        status=Video.Status.DELETED,
        files_deleted_at__isnull=True,
        deleted_at__lt=settled,
    ).values_list("pk", flat=True)
    for video_id in list(waiting):
        try:
            video_files_delete(video_id=video_id)
        except STORAGE_DOWN as error:
            logger.warning("tombstone sweep stopped, storage away: %s", error)
            break
        purged += Video.objects.filter(
            pk=video_id, status=Video.Status.DELETED, files_deleted_at__isnull=True
        ).update(files_deleted_at=now)
    removed, _by_model = (
        Video.objects.filter(
            status=Video.Status.DELETED, files_deleted_at__isnull=False
        )
        .filter(_unreferenced())
        .delete()
    )
    if purged or removed:
        logger.info("tombstone sweep: files of %d deleted, %d removed", purged, removed)
    return {"files_deleted": purged, "removed": removed}


def _unreferenced() -> Q:
    """Videos no row of any app points at (every reverse relation of Video), found
    without the videos app knowing its owners."""
    condition = Q()
    for relation in Video._meta.related_objects:
        condition &= Q(**{f"{relation.name}__isnull": True})
    return condition


def video_orphans_sweep(*, now=None, delete: bool = True) -> list[str]:
    """Compare the storage's videos/ folder with the rows; delete (unless `delete`
    is False: a dry run) and return the names of the files no row keeps:

    - under a deleted video (a tombstone), whatever their age;
    - under no video at all, or not named by a ready or failed video (an original
      whose deletion after processing failed, files a failed run left), once older
      than VIDEO_ORPHAN_AFTER_SECONDS: an upload is stored before its row commits
      (video_stored), and a ladder is stored before its row names it
      (video_ladder_add), so a younger file may be on its way to being named.

    A video waiting or being processed keeps everything: the run stores its files
    before naming them, and a run that fails or finds a tombstone clears up.
    """
    now = now or timezone.now()
    young = now - timedelta(seconds=settings.VIDEO_ORPHAN_AFTER_SECONDS)
    storage = private_storage()
    orphans = []
    for batch in _batches(_stored_files(storage, "videos"), 500):
        rows = _rows_for(batch)
        for name, modified in batch:
            keeper = rows.get(name.split("/")[1])
            if keeper is not None and keeper(name):
                continue
            if modified >= young and not (keeper is not None and keeper.deleted):
                continue
            orphans.append(name)
            if delete:
                storage.delete(name)
    if orphans:
        logger.info(
            "orphan sweep: %d file(s) %s",
            len(orphans),
            "deleted" if delete else "found (dry run)",
        )
    return orphans


class _Keeper:
    """What one video's row keeps of its folder."""

    def __init__(self, row: dict):
        self.deleted = row["status"] == Video.Status.DELETED
        self.busy = row["status"] in (
            Video.Status.PENDING,
            Video.Status.PROCESSING,
        ) or row["top_rung"] in (Video.TopRung.QUEUED, Video.TopRung.MAKING)
        self.names = {row["source"], row["output"], row["poster"]} - {""}
        stream = row["stream"]
        self.folder = stream.rsplit("/", 1)[0] + "/" if stream else None

    def __call__(self, name: str) -> bool:
        if self.deleted:
            return False
        if self.busy or name in self.names:
            return True
        return self.folder is not None and name.startswith(self.folder)


def _rows_for(batch) -> dict:
    """{video id: _Keeper} for the videos the files of `batch` are under."""
    ids = set()
    for name, _modified in batch:
        with contextlib.suppress(IndexError, ValueError):
            ids.add(str(uuid.UUID(name.split("/")[1])))
    fields = ("pk", "status", "source", "output", "poster", "stream", "top_rung")
    return {
        str(row["pk"]): _Keeper(row)
        for row in Video.objects.filter(pk__in=ids).values(*fields)
    }


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stored_files(storage, prefix: str):
    """(name, modified time) of every file under `prefix`: one listing request per
    thousand objects on object storage (not one per file), a walk on disk."""
    target = multipart_target()
    if target is not None:
        paginator = target.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=target.bucket, Prefix=f"{prefix}/"):
            for item in page.get("Contents", []):
                yield item["Key"], item["LastModified"]
        return
    root = Path(storage.path(""))
    for folder, _dirs, files in os.walk(root / prefix):
        for filename in files:
            path = Path(folder) / filename
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:
                continue
            yield (
                path.relative_to(root).as_posix(),
                dt.datetime.fromtimestamp(modified, tz=dt.UTC),
            )
