"""The whole pipeline against an S3-compatible server (moto in server mode, started
by the test on loopback): django-storages talks real HTTP to it, nothing is patched."""

import urllib.request
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files import File

from tests.s3 import BUCKET
from videos.clips import make_clip
from videos.models import Video
from videos.services import video_create, video_delete_files


def _keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.fixture
def processed_on_s3(db, s3_private, tmp_path, django_capture_on_commit_callbacks):
    clip = make_clip(tmp_path / "clip.mp4", seconds=2, width=160, height=120)
    with django_capture_on_commit_callbacks(execute=True), clip.open("rb") as handle:
        video = video_create(
            file=File(handle, name="clip.mp4"), original_name="clip.mp4"
        )
    video.refresh_from_db()
    return video


def test_pipeline_runs_end_to_end_on_object_storage(processed_on_s3, s3_private):
    video = processed_on_s3
    assert video.status == Video.Status.READY, video.failure_detail
    assert _keys(s3_private) == {
        f"videos/{video.pk}/source",
        f"videos/{video.pk}/video.mp4",
        f"videos/{video.pk}/poster.webp",
        f"videos/{video.pk}/hls/master.m3u8",
        f"videos/{video.pk}/hls/120p/index.m3u8",
        f"videos/{video.pk}/hls/120p/init.mp4",
        f"videos/{video.pk}/hls/120p/s00000.m4s",
    }
    head = s3_private.head_object(Bucket=BUCKET, Key=f"videos/{video.pk}/video.mp4")
    assert head["ContentLength"] == video.output_size > 0


def test_moderators_get_a_short_lived_signed_url_and_others_nothing(
    client, processed_on_s3, s3_endpoint
):
    video = processed_on_s3
    url = f"/v/{video.pk}/video.mp4"
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND

    # A video no owner claims is for superusers; the blanket view permission is not
    # enough (owners widen access: tests/security/test_media_matrix.py).
    viewer = get_user_model().objects.create_user("viewer", "v@example.org", "pw")
    viewer.user_permissions.add(Permission.objects.get(codename="view_video"))
    client.force_login(viewer)
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    moderator = get_user_model().objects.create_superuser(
        "mod", "mod@example.org", "pw"
    )
    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    assert signed.startswith(s3_endpoint) and "Signature" in signed
    assert "Expires=" in signed or "X-Amz-Expires=120" in signed
    with urllib.request.urlopen(signed, timeout=10) as answer:
        assert answer.headers["Content-Type"] == "video/mp4"
        assert answer.read(12)[4:8] == b"ftyp"

    unsigned = signed.split("?")[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)
    assert refused.value.code == HTTPStatus.FORBIDDEN


def test_playlists_are_answered_by_the_view_and_segments_signed(
    client, processed_on_s3, s3_endpoint
):
    video = processed_on_s3
    master = f"/v/{video.pk}/hls/master.m3u8"
    segment = f"/v/{video.pk}/hls/120p/s00000.m4s"
    assert client.get(master).status_code == HTTPStatus.NOT_FOUND
    assert client.get(segment).status_code == HTTPStatus.NOT_FOUND
    client.force_login(
        get_user_model().objects.create_superuser("mod", "mod@example.org", "pw")
    )
    # Not a redirect: relative URIs in a playlist fetched from the bucket would
    # lead the player past the view.
    response = client.get(master)
    assert response.status_code == HTTPStatus.OK
    assert response.content.decode().splitlines()[-1] == "120p/index.m3u8"
    assert client.get(f"/v/{video.pk}/hls/120p/index.m3u8").status_code == 200
    response = client.get(segment)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(s3_endpoint)
    with urllib.request.urlopen(response["Location"], timeout=10) as answer:
        assert answer.read(8)[4:8] in (b"styp", b"moof")


def test_deleting_a_video_removes_every_object(processed_on_s3, s3_private):
    video_delete_files(video=processed_on_s3)
    assert _keys(s3_private) == set()


def test_a_storage_outage_mid_pipeline_is_retried_not_failed(
    db, s3_private, settings, tmp_path, django_capture_on_commit_callbacks
):
    from tests.conftest import free_port
    from videos.services import TRANSIENT_ERRORS, video_process

    clip = make_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=120)
    with django_capture_on_commit_callbacks(execute=False), clip.open("rb") as handle:
        video = video_create(file=File(handle, name="clip.mp4"), original_name="c.mp4")
    working = settings.STORAGES
    private = working["private"]
    settings.STORAGES = {
        **working,
        "private": {
            **private,
            "OPTIONS": {
                **private["OPTIONS"],
                "endpoint_url": f"http://127.0.0.1:{free_port()}",
            },
        },
    }

    for _ in range(settings.VIDEO_MAX_ATTEMPTS + 1):  # the task's retries
        with pytest.raises(TRANSIENT_ERRORS):
            video_process(video_id=video.pk)

    video.refresh_from_db()
    assert video.status == Video.Status.PENDING  # waits again, not failed
    assert video.attempts == 0  # not the file's fault: no attempt used up
    assert video.failure_code == ""
    settings.STORAGES = working  # the storage is back
    video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_detail
