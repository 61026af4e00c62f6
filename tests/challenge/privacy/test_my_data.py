"""Participants' rights: download their data, delete their account."""

import datetime as dt
import io
import json
import zipfile
from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from challenge.models import Entry, Heart
from challenge.services.gallery import heart_toggle
from tests.challenge.factories import (
    PASSWORD,
    make_entry,
    make_participant,
    video_files,
)
from videos.models import Video
from videos.services import video_tombstones_sweep

S = Entry.State
DOWNLOAD = reverse("challenge:my_data_download")


@pytest.fixture
def owner(db):
    return make_participant(handle="kind_owner")


@pytest.fixture
def approved(owner, tmp_path):
    return make_entry(
        state=S.APPROVED, participant=owner, with_files=True, tmp_dir=tmp_path
    )


def test_download_has_my_data_and_videos_and_nobody_elses(
    client, owner, approved, tmp_path
):
    stranger = make_participant(handle="someone_else")
    make_entry(state=S.APPROVED, participant=stranger, caption="Not yours")
    heart_toggle(entry_id=approved.pk, user=stranger.user)
    heart_toggle(entry_id=approved.pk, user=owner.user)
    client.force_login(owner.user)
    assert client.get("/en/challenge/my-data/").status_code == HTTPStatus.OK

    response = client.post(DOWNLOAD)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["handle"] == "kind_owner"
    assert data["account"]["email"] == owner.user.email
    assert [e["id"] for e in data["entries"]] == [approved.pk]
    assert data["entries"][0]["caption"] == approved.caption
    assert data["hearts_given"] == [
        {"entry": approved.pk, "time": data["hearts_given"][0]["time"]}
    ]
    assert "Not yours" not in json.dumps(data)
    assert "someone_else" not in json.dumps(data)
    video = archive.read(f"videos/entry-{approved.pk}.mp4")
    assert video[4:8] == b"ftyp"


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "owner"])
def test_download_is_never_a_get(client, owner, logged_in):
    if logged_in:
        client.force_login(owner.user)
    response = client.get(DOWNLOAD)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "POST"


def test_download_needs_a_login(client, db):
    response = client.post(DOWNLOAD)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('account_login')}?next={DOWNLOAD}"


def test_deleting_my_account_takes_everything_with_it(
    client, owner, approved, django_capture_on_commit_callbacks
):
    fan = make_participant(handle="a_fan")
    heart_toggle(entry_id=approved.pk, user=fan.user)
    liked = make_entry(state=S.APPROVED)
    heart_toggle(entry_id=liked.pk, user=owner.user)
    files = [(f.storage, f.name) for f in video_files(approved.video)]
    assert files and all(storage.exists(name) for storage, name in files)

    client.force_login(owner.user)
    wrong = client.post(
        "/en/challenge/my-data/delete-account/", {"password": "nope", "confirm": "on"}
    )
    assert wrong.status_code == HTTPStatus.OK
    assert "That is not your password." in wrong.content.decode()
    assert get_user_model().objects.filter(pk=owner.user.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        with_commit = client.post(
            "/en/challenge/my-data/delete-account/",
            {"password": PASSWORD, "confirm": "on"},
        )
    assert with_commit.status_code == HTTPStatus.FOUND
    assert not get_user_model().objects.filter(pk=owner.user_id).exists()
    assert not Entry.objects.filter(pk=approved.pk).exists()
    # The video is a tombstone with nothing of the upload (a transcode finishing
    # later finds it), and the sweep removes it once no worker can be writing.
    tombstone = Video.objects.get(pk=approved.video_id)
    assert tombstone.status == Video.Status.DELETED
    assert (tombstone.original_name, tombstone.probe) == ("", {})
    assert not any(storage.exists(name) for storage, name in files)
    later = timezone.now() + dt.timedelta(seconds=settings.VIDEO_HARD_TIME_LIMIT + 1)
    assert video_tombstones_sweep(now=later) == {"files_deleted": 1, "removed": 1}
    assert not Video.objects.filter(pk=approved.video_id).exists()
    liked.refresh_from_db()
    assert liked.heart_count == 0
    assert not Heart.objects.filter(user_id=owner.user_id).exists()
    assert client.get("/en/challenge/my-entries/").status_code == HTTPStatus.FOUND


def test_account_deletion_needs_the_confirmation_box(client, owner):
    client.force_login(owner.user)
    response = client.post(
        "/en/challenge/my-data/delete-account/", {"password": PASSWORD}
    )
    assert response.status_code == HTTPStatus.OK
    assert get_user_model().objects.filter(pk=owner.user_id).exists()
