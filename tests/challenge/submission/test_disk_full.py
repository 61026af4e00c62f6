"""The upload disk full, for real (a small tmpfs): uploads are refused with "no room,
try again later", nothing half-written is kept, the site keeps serving."""

from http import HTTPStatus

import pytest

from challenge.errors import UploadNoRoom
from challenge.models import Entry, ResumableUpload
from tests.challenge.factories import entry_post_data
from videos.models import Video

from .test_resumable import create, head, patch, upload_id

SUBMIT = "/en/challenge/submit/"
NO_ROOM = "There is no room for new videos right now. Please try again later."

pytestmark = pytest.mark.slow


@pytest.fixture
def on_the_volume(settings, small_volume):
    """Upload temp files, resumable pieces and private media all on the volume."""
    settings.FILE_UPLOAD_TEMP_DIR = str(small_volume.path / "tmp")
    settings.RESUMABLE_UPLOAD_DIR = small_volume.path / "uploads"
    for folder in ("tmp", "uploads", "private"):
        (small_volume.path / folder).mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(small_volume.path / "private"),
                "base_url": None,
            },
        },
    }
    return small_volume


def test_the_message_is_the_one_the_participant_reads():
    assert str(UploadNoRoom.message) == NO_ROOM


def test_a_plain_upload_that_fills_the_disk_is_refused_and_leaves_nothing(
    participant_client, campaign, upload, clip_bytes, on_the_volume
):
    large = clip_bytes + b"\0" * (on_the_volume.size * 2)
    response = participant_client.post(SUBMIT, entry_post_data(upload(content=large)))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == str(UploadNoRoom.retry_after_seconds)
    assert NO_ROOM in response.content.decode()
    assert on_the_volume.files() == []
    assert not Entry.objects.exists() and not Video.objects.exists()
    # With the disk still full, the site goes on serving, the upload page included.
    on_the_volume.fill(leave=0)
    assert on_the_volume.free() == 0
    assert participant_client.get("/en/").status_code == HTTPStatus.OK
    assert participant_client.get("/en/gallery/").status_code == HTTPStatus.OK
    assert participant_client.get(SUBMIT).status_code == HTTPStatus.OK


def test_the_upload_page_script_is_told_the_same_in_json(
    participant_client, campaign, upload, clip_bytes, on_the_volume
):
    large = clip_bytes + b"\0" * (on_the_volume.size * 2)
    response = participant_client.post(
        SUBMIT,
        entry_post_data(upload(content=large)),
        headers={"Accept": "application/json"},
    )

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == str(UploadNoRoom.retry_after_seconds)
    assert response.json()["message"] == NO_ROOM
    assert on_the_volume.files() == []


def test_an_upload_the_storage_has_no_room_for_is_refused_and_deleted(
    participant_client, campaign, upload, settings, on_the_volume, tmp_path
):
    """The file arrived whole (its temp file on another disk); the disk of the
    private media is the one that is full: the part copied there is deleted."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    on_the_volume.fill(leave=1024)
    response = participant_client.post(SUBMIT, entry_post_data(upload()))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert NO_ROOM in response.content.decode()
    assert on_the_volume.files() == []
    assert not Entry.objects.exists() and not Video.objects.exists()


def test_a_piece_that_fills_the_disk_is_cut_back_and_the_upload_goes_on_later(
    participant_client, campaign, settings, on_the_volume
):
    settings.RESUMABLE_UPLOAD_MIN_FREE_BYTES = 0
    content = bytes(range(256)) * 512  # 128 KiB
    url = create(participant_client, len(content))["Location"]
    first = patch(participant_client, url, content[:32768], 0)
    assert first.status_code == HTTPStatus.NO_CONTENT

    # Another writer takes the disk while the rest is on its way.
    on_the_volume.fill(leave=16384)
    refused = patch(participant_client, url, content[32768:], 32768)

    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert refused["Retry-After"] == str(UploadNoRoom.retry_after_seconds)
    assert refused.content.decode() == NO_ROOM
    # What the piece had written is cut off again: the file holds the confirmed
    # bytes, no more.
    assert head(participant_client, url)["Upload-Offset"] == "32768"
    part_file = settings.RESUMABLE_UPLOAD_DIR / f"{upload_id(url)}.part"
    assert part_file.read_bytes() == content[:32768]
    assert participant_client.get("/en/").status_code == HTTPStatus.OK

    # Room again: the upload resumes from its confirmed offset and completes.
    on_the_volume.empty()
    done = patch(participant_client, url, content[32768:], 32768)
    assert done.status_code == HTTPStatus.NO_CONTENT
    assert part_file.read_bytes() == content
    assert ResumableUpload.objects.get().completed_at is not None
