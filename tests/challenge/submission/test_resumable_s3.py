"""Resumable uploads on object storage: the pieces go to the private bucket as the
parts of one multipart upload (moto in server mode, real HTTP), the web server's disk
never holds more than one part, and the joined object becomes the video's source."""

import datetime as dt
import hashlib
import io
import os
from http import HTTPStatus

import pytest
from django.utils import timezone

from challenge.errors import UploadTooLarge
from challenge.models import Entry, ResumableUpload
from challenge.services import uploads as services
from tests.challenge.factories import entry_post_data
from tests.s3 import BUCKET
from videos import resumable
from videos.models import Video
from videos.multipart import MIN_PART_BYTES, multipart_target

from .test_resumable import (
    SUBMIT,
    TUS,
    DroppingStream,
    create,
    head,
    patch,
    upload_id,
)

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _upload_dir(settings, tmp_path):
    settings.RESUMABLE_UPLOAD_DIR = tmp_path / "uploads"
    settings.RESUMABLE_UPLOAD_PART_BYTES = MIN_PART_BYTES


def _objects(client) -> dict[str, int]:
    listing = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {item["Key"]: item["Size"] for item in listing}


def _unfinished(client) -> list[str]:
    return [
        item["Key"]
        for item in client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    ]


def append(upload, data: bytes, *, offset: int):
    """One piece of `data` at `offset`, as a PATCH brings it (its whole length declared)."""
    return services.resumable_upload_append(
        upload_id=upload.pk,
        participant=upload.participant,
        offset=offset,
        stream=io.BytesIO(data),
        content_length=len(data),
    )


def _object_bytes(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_pieces_go_to_the_bucket_in_parts_and_the_disk_holds_less_than_one(
    participant_client, campaign, s3_private
):
    content = os.urandom(11 * MiB + 12345)
    url = create(participant_client, len(content))["Location"]
    pk = upload_id(url)
    assert _unfinished(s3_private) == [f"uploads/{pk}"]
    piece = MiB
    for start in range(0, len(content), piece):
        response = patch(participant_client, url, content[start : start + piece], start)
        assert response.status_code == HTTPStatus.NO_CONTENT, response.content
        assert int(response["Upload-Offset"]) == min(start + piece, len(content))
        on_disk = resumable.part_path(pk).stat().st_size
        assert on_disk < MIN_PART_BYTES
    upload = ResumableUpload.objects.get()
    assert upload.is_complete and upload.completed_at is not None
    assert len(upload.part_etags) == 3  # 5 MiB, 5 MiB, then the rest
    assert upload.stored_bytes == len(content)
    assert resumable.part_path(pk).stat().st_size == 0
    assert _unfinished(s3_private) == []
    stored = _object_bytes(s3_private, f"uploads/{pk}")
    assert hashlib.sha256(stored).digest() == hashlib.sha256(content).digest()
    assert head(participant_client, url)["Upload-Offset"] == str(len(content))


def test_one_big_piece_is_split_into_parts_as_it_arrives(
    participant, campaign, s3_private
):
    content = os.urandom(12 * MiB)
    upload = services.resumable_upload_create(participant=participant, length=13 * MiB)
    upload = append(upload, content, offset=0)
    # Two whole parts are in the bucket; the last 2 MiB wait on disk for the rest.
    assert upload.offset == 12 * MiB
    assert upload.stored_bytes == 10 * MiB and len(upload.part_etags) == 2
    assert resumable.part_path(upload.pk).stat().st_size == 2 * MiB
    assert upload.completed_at is None
    rest = os.urandom(MiB)
    upload = append(upload, rest, offset=12 * MiB)
    assert upload.completed_at is not None
    assert _object_bytes(s3_private, resumable.object_key(upload.pk)) == content + rest


def test_a_dropped_connection_resumes_across_a_part(participant, campaign, s3_private):
    content = os.urandom(7 * MiB)
    upload = services.resumable_upload_create(
        participant=participant, length=len(content)
    )
    upload = services.resumable_upload_append(
        upload_id=upload.pk,
        participant=participant,
        offset=0,
        stream=DroppingStream(content, keep=6 * MiB + 777),
        content_length=len(content),
    )
    assert upload.offset == 6 * MiB + 777
    assert upload.stored_bytes == 5 * MiB
    upload = append(upload, content[upload.offset :], offset=upload.offset)
    assert upload.completed_at is not None
    assert _object_bytes(s3_private, resumable.object_key(upload.pk)) == content


def test_a_part_sent_but_never_recorded_is_replaced(participant, campaign, s3_private):
    """A crash between sending a part and recording it: the bucket has a part the
    row does not know. The piece comes again and replaces it under the same number."""
    content = os.urandom(6 * MiB)
    upload = services.resumable_upload_create(
        participant=participant, length=len(content)
    )
    target = multipart_target()
    target.put(
        resumable.object_key(upload.pk),
        upload.multipart_id,
        1,
        io.BytesIO(b"x" * MIN_PART_BYTES),
        MIN_PART_BYTES,
    )
    upload = append(upload, content, offset=0)
    assert upload.completed_at is not None
    assert _object_bytes(s3_private, resumable.object_key(upload.pk)) == content


def test_a_recorded_part_left_on_disk_by_a_crash_is_not_sent_twice(
    participant, campaign, s3_private
):
    """A crash after recording a part but before emptying the file: the file still
    holds the part's bytes; the next piece cuts them off (the row says what is where)."""
    content = os.urandom(6 * MiB)
    upload = services.resumable_upload_create(
        participant=participant, length=len(content)
    )
    upload = append(upload, content[: 5 * MiB], offset=0)
    assert (upload.stored_bytes, resumable.buffered_bytes(upload)) == (5 * MiB, 0)
    resumable.part_path(upload.pk).write_bytes(content[: 5 * MiB])  # the crash
    upload = append(upload, content[5 * MiB :], offset=5 * MiB)
    assert upload.completed_at is not None
    assert _object_bytes(s3_private, resumable.object_key(upload.pk)) == content


def test_a_finished_upload_becomes_an_entry_with_its_source_copied_in_the_bucket(
    participant_client, campaign, clip_bytes, committed, s3_private
):
    url = create(participant_client, len(clip_bytes))["Location"]
    assert patch(participant_client, url, clip_bytes, 0)["Upload-Offset"] == str(
        len(clip_bytes)
    )
    pk = upload_id(url)
    assert f"uploads/{pk}" in _objects(s3_private)
    with committed():
        response = participant_client.post(
            SUBMIT,
            entry_post_data(None, upload=str(pk)),
            headers={"Accept": "application/json"},
        )
    assert response.status_code == HTTPStatus.OK, response.content
    entry = Entry.objects.get()
    assert entry.video.status == Video.Status.READY, entry.video.failure_detail
    # Copied inside the bucket, processed from there, then deleted like any
    # participant's original (videos.owners.video_keeps_source).
    assert entry.video.source_size == len(clip_bytes)
    objects = _objects(s3_private)
    assert f"videos/{entry.video.pk}/video.mp4" in objects
    assert f"videos/{entry.video.pk}/source" not in objects
    assert f"uploads/{pk}" not in objects
    assert not ResumableUpload.objects.exists()
    assert not resumable.part_path(pk).exists()


def test_cancelling_aborts_the_multipart_upload(
    participant_client, campaign, committed, s3_private
):
    content = os.urandom(6 * MiB)
    url = create(participant_client, 8 * MiB)["Location"]
    patch(participant_client, url, content, 0)
    assert _unfinished(s3_private)
    with committed():
        response = participant_client.delete(url, headers=TUS)
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert _unfinished(s3_private) == []
    assert _objects(s3_private) == {}


def test_a_finished_but_unused_upload_expires_with_its_object(
    participant_client, campaign, clip_bytes, committed, s3_private
):
    url = create(participant_client, len(clip_bytes))["Location"]
    patch(participant_client, url, clip_bytes, 0)
    assert _objects(s3_private)
    later = timezone.now() + dt.timedelta(days=2)
    with committed():
        assert services.resumable_uploads_expire(now=later) == 1
    assert _objects(s3_private) == {}


def test_the_sweep_aborts_old_multipart_uploads_nobody_knows(
    participant, campaign, s3_private, settings
):
    """A process that died between starting a multipart upload and saving its row
    (or an abort that failed). Uploads with a row are left alone. (moto dates every
    multipart upload in 2010, so the "too recent" guard is not exercised here.)"""
    live = services.resumable_upload_create(participant=participant, length=10)
    target = multipart_target()
    target.start("uploads/00000000-0000-0000-0000-000000000000")
    assert len(_unfinished(s3_private)) == 2
    assert services.resumable_uploads_expire() == 1
    assert _unfinished(s3_private) == [resumable.object_key(live.pk)]


def test_a_piece_refused_for_size_leaves_only_confirmed_bytes_on_disk(
    participant, campaign, s3_private
):
    """A chunked body (no Content-Length) that turns out too long: what it brought
    is dropped from the disk, as on local disk, not left there for the next piece
    to cut off."""
    upload = services.resumable_upload_create(participant=participant, length=2 * MiB)
    upload = append(upload, b"a" * MiB, offset=0)
    with pytest.raises(UploadTooLarge):
        services.resumable_upload_append(
            upload_id=upload.pk,
            participant=participant,
            offset=MiB,
            stream=io.BytesIO(b"b" * 3 * MiB),
            content_length=None,
        )
    upload.refresh_from_db()
    assert upload.offset == MiB
    assert resumable.part_path(upload.pk).read_bytes() == b"a" * MiB


def test_the_sweep_deletes_joined_objects_whose_upload_is_gone(
    participant_client, campaign, clip_bytes, s3_private
):
    """The process stopped after the commit that deleted an upload's row and before
    the delete of its joined object (an account deletion, a cancel): the object
    `uploads/<id>` no row knows goes with the next sweep once it is older than an
    upload can live; a young one, and one whose upload is still known, stay."""
    url = create(participant_client, len(clip_bytes))["Location"]
    patch(participant_client, url, clip_bytes, 0)
    kept = resumable.object_key(upload_id(url))
    lost = "uploads/00000000-0000-0000-0000-000000000001"
    s3_private.put_object(Bucket=BUCKET, Key=lost, Body=b"a whole video")
    assert set(_objects(s3_private)) == {kept, lost}
    assert services.resumable_uploads_expire() == 0  # too young to be sure
    assert set(_objects(s3_private)) == {kept, lost}
    ResumableUpload.objects.filter(pk=upload_id(url)).update(
        expires_at=timezone.now() + dt.timedelta(days=30)
    )
    later = timezone.now() + dt.timedelta(days=2)
    assert services.resumable_uploads_expire(now=later) == 1
    assert set(_objects(s3_private)) == {kept}
