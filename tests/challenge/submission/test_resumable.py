"""Resumable uploads (tus 1.0.0 core + creation, expiration, termination), then the
form that turns the finished upload into an entry through the same services."""

import base64
import datetime as dt
import hashlib
import io
import os
import time
import uuid
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaign.selectors import site_snapshot_forget
from challenge.errors import UploadBusy, UploadOffsetConflict, UploadTooLarge
from challenge.models import Entry, Nudge, ResumableUpload
from challenge.services import uploads as services
from tests.challenge.factories import entry_post_data, make_participant
from tests.conftest import race
from videos import resumable
from videos.models import Video

S = Entry.State
SUBMIT = "/en/challenge/submit/"
CREATE = "/en/challenge/submit/uploads/"
TUS = {"Tus-Resumable": "1.0.0"}
PIECE = "application/offset+octet-stream"


@pytest.fixture(autouse=True)
def _upload_dir(settings, tmp_path):
    settings.RESUMABLE_UPLOAD_DIR = tmp_path / "uploads"


def metadata(**values) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in values.items()
    )


def create(client, length: int, **headers):
    return client.post(
        CREATE,
        headers={
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": metadata(filename="kind.mp4", filetype="video/mp4"),
            **headers,
        },
    )


def patch(client, url, data: bytes, offset: int, content_type=PIECE, **headers):
    return client.generic(
        "PATCH",
        url,
        data,
        content_type=content_type,
        headers={**TUS, "Upload-Offset": str(offset), **headers},
    )


def head(client, url):
    return client.head(url, headers=TUS)


def send_whole(client, content: bytes, piece: int = 4096) -> str:
    url = create(client, len(content))["Location"]
    for start in range(0, len(content), piece):
        response = patch(client, url, content[start : start + piece], start)
        assert response.status_code == HTTPStatus.NO_CONTENT, response.content
    return url


def upload_id(url: str) -> uuid.UUID:
    return uuid.UUID(url.rstrip("/").rsplit("/", 1)[1])


# --- The protocol ---------------------------------------------------------------------


def test_options_advertises_version_extensions_and_max_size(client, settings):
    response = client.options(CREATE)
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Extension"] == "creation,expiration,termination"
    assert response["Tus-Max-Size"] == str(settings.VIDEO_MAX_UPLOAD_BYTES)
    assert response["Tus-Resumable"] == "1.0.0"


def test_create_head_patch_in_pieces_gives_the_same_bytes(
    participant_client, participant, campaign
):
    content = bytes(range(256)) * 100
    response = create(participant_client, len(content))
    assert response.status_code == HTTPStatus.CREATED
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Upload-Expires"].endswith("GMT")
    url = response["Location"]
    assert url.startswith("/en/challenge/submit/uploads/")

    first = head(participant_client, url)
    assert first.status_code == HTTPStatus.OK
    assert first["Upload-Offset"] == "0"
    assert first["Upload-Length"] == str(len(content))
    assert "no-store" in first["Cache-Control"]

    done = patch(participant_client, url, content[:10_000], 0)
    assert done.status_code == HTTPStatus.NO_CONTENT
    assert done["Upload-Offset"] == "10000"
    assert done["Tus-Resumable"] == "1.0.0"
    done = patch(participant_client, url, content[10_000:], 10_000)
    assert done["Upload-Offset"] == str(len(content))

    upload = ResumableUpload.objects.get()
    assert upload.participant == participant
    assert upload.is_complete and upload.completed_at is not None
    assert upload.filename == "kind.mp4" and upload.filetype == "video/mp4"
    on_disk = resumable.part_path(upload.pk).read_bytes()
    assert hashlib.sha256(on_disk).digest() == hashlib.sha256(content).digest()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Tus-Resumable": "0.2.2"}, HTTPStatus.PRECONDITION_FAILED),
        ({"Upload-Length": ""}, HTTPStatus.BAD_REQUEST),
        ({"Upload-Length": "-5"}, HTTPStatus.BAD_REQUEST),
        ({"Upload-Length": "0"}, HTTPStatus.BAD_REQUEST),
    ],
)
def test_creation_refuses_bad_headers(participant_client, campaign, headers, status):
    response = create(participant_client, 100, **headers)
    assert response.status_code == status
    assert response["Tus-Resumable"] == "1.0.0"
    assert not ResumableUpload.objects.exists()


def test_a_declared_size_over_the_limit_is_refused_before_any_byte(
    participant_client, campaign, settings
):
    settings.VIDEO_MAX_UPLOAD_BYTES = 1000
    response = create(participant_client, 1001)
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "larger than" in response.content.decode()
    assert not ResumableUpload.objects.exists()


def test_bytes_beyond_the_declared_length_are_refused_and_not_kept(
    participant_client, campaign
):
    url = create(participant_client, 100)["Location"]
    assert patch(participant_client, url, b"a" * 60, 0).status_code == 204
    too_many = patch(participant_client, url, b"b" * 41, 60)
    assert too_many.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert head(participant_client, url)["Upload-Offset"] == "60"
    upload = ResumableUpload.objects.get()
    assert resumable.part_path(upload.pk).read_bytes() == b"a" * 60


class SmallReads(io.BytesIO):
    """A body that arrives a few bytes at a time (they wait in the file's buffer)."""

    def read(self, size=-1):
        return super().read(min(size, 30))


@pytest.mark.parametrize("body", [io.BytesIO, SmallReads], ids=["whole", "small"])
def test_bytes_beyond_the_length_are_counted_even_without_a_content_length(
    participant, campaign, body
):
    """A chunked body (no Content-Length) is counted as it arrives."""
    upload = services.resumable_upload_create(participant=participant, length=100)
    with pytest.raises(UploadTooLarge):
        services.resumable_upload_append(
            upload_id=upload.pk,
            participant=participant,
            offset=0,
            stream=body(b"x" * 5000),
            content_length=None,
        )
    upload.refresh_from_db()
    assert upload.offset == 0
    assert resumable.part_path(upload.pk).stat().st_size == 0


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/octet-stream", HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
        ("multipart/form-data; boundary=x", HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
    ],
)
def test_a_piece_with_the_wrong_content_type_is_refused(
    participant_client, campaign, content_type, status
):
    url = create(participant_client, 10)["Location"]
    response = patch(participant_client, url, b"x" * 10, 0, content_type=content_type)
    assert response.status_code == status
    assert head(participant_client, url)["Upload-Offset"] == "0"


def test_a_wrong_offset_is_a_conflict_that_says_the_real_offset(
    participant_client, campaign
):
    url = create(participant_client, 100)["Location"]
    patch(participant_client, url, b"a" * 50, 0)
    ahead = patch(participant_client, url, b"b" * 10, 70)
    assert ahead.status_code == HTTPStatus.CONFLICT
    assert ahead["Upload-Offset"] == "50"
    behind = patch(participant_client, url, b"b" * 10, 10)
    assert behind.status_code == HTTPStatus.CONFLICT
    assert head(participant_client, url)["Upload-Offset"] == "50"


def test_the_last_piece_sent_twice_and_out_of_order(participant_client, campaign):
    content = b"0123456789" * 30
    url = create(participant_client, len(content))["Location"]
    # The last piece first (out of order): refused, nothing written.
    early = patch(participant_client, url, content[200:], 200)
    assert early.status_code == HTTPStatus.CONFLICT
    assert patch(participant_client, url, content[:200], 0).status_code == 204
    assert patch(participant_client, url, content[200:], 200).status_code == 204
    # The same last piece again (a retry whose answer was lost): a conflict that
    # reports the upload as complete, and the file is unchanged.
    again = patch(participant_client, url, content[200:], 200)
    assert again.status_code == HTTPStatus.CONFLICT
    assert again["Upload-Offset"] == str(len(content))
    upload = ResumableUpload.objects.get()
    assert resumable.part_path(upload.pk).read_bytes() == content


class DroppingStream:
    """A request body whose connection drops after `keep` bytes."""

    def __init__(self, content: bytes, keep: int):
        self.data = io.BytesIO(content[:keep])

    def read(self, size=-1):
        data = self.data.read(size)
        if not data:
            raise OSError("connection reset by peer")
        return data


def test_a_dropped_connection_keeps_what_arrived_and_the_upload_resumes(
    participant, campaign
):
    content = bytes(range(256)) * 40
    upload = services.resumable_upload_create(participant=participant, length=10240)
    upload = services.resumable_upload_append(
        upload_id=upload.pk,
        participant=participant,
        offset=0,
        stream=DroppingStream(content, keep=3000),
        content_length=len(content),
    )
    assert upload.offset == 3000
    upload = services.resumable_upload_append(
        upload_id=upload.pk,
        participant=participant,
        offset=3000,
        stream=io.BytesIO(content[3000:]),
        content_length=len(content) - 3000,
    )
    assert upload.is_complete
    assert resumable.part_path(upload.pk).read_bytes() == content


def test_bytes_written_but_never_confirmed_are_cut_off(participant, campaign):
    """A crash between writing and confirming leaves extra bytes in the file: the
    next piece starts from the confirmed offset, not the file's end."""
    upload = services.resumable_upload_create(participant=participant, length=20)
    resumable.part_path(upload.pk).write_bytes(b"garbage-not-confirmed")
    upload = services.resumable_upload_append(
        upload_id=upload.pk,
        participant=participant,
        offset=0,
        stream=io.BytesIO(b"a" * 20),
        content_length=20,
    )
    assert resumable.part_path(upload.pk).read_bytes() == b"a" * 20


@pytest.mark.parametrize("loss", ["deleted", "emptied"])
def test_an_upload_whose_confirmed_bytes_were_lost_is_not_refilled_with_zeros(
    participant_client, campaign, committed, loss
):
    """The part file went missing or lost bytes (a disk cleaned up, a second web
    server without the same RESUMABLE_UPLOAD_DIR): the next piece must not be
    appended after zeros standing in for the lost ones. The upload is gone (404)
    and the client starts again."""
    url = create(participant_client, 20)["Location"]
    assert patch(participant_client, url, b"a" * 10, 0).status_code == 204
    path = resumable.part_path(upload_id(url))
    if loss == "deleted":
        path.unlink()
    else:
        path.write_bytes(b"")
    with committed():
        response = patch(participant_client, url, b"b" * 10, 10)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not ResumableUpload.objects.exists()
    assert not path.exists()


def test_another_participants_upload_is_not_found(participant_client, campaign):
    url = create(participant_client, 100)["Location"]
    stranger = Client()
    stranger.force_login(make_participant(handle="someone_else").user)
    assert head(stranger, url).status_code == HTTPStatus.NOT_FOUND
    assert patch(stranger, url, b"x" * 10, 0).status_code == HTTPStatus.NOT_FOUND
    deleted = stranger.delete(url, headers=TUS)
    assert deleted.status_code == HTTPStatus.NOT_FOUND
    assert head(participant_client, url)["Upload-Offset"] == "0"
    made_up = f"{CREATE}{uuid.uuid4()}/"
    assert head(participant_client, made_up).status_code == HTTPStatus.NOT_FOUND


def test_visitors_and_accounts_without_a_profile_cannot_upload(client, campaign):
    assert create(client, 100).status_code == HTTPStatus.FORBIDDEN
    assert not ResumableUpload.objects.exists()


def test_termination_deletes_the_upload_and_its_file(
    participant_client, campaign, committed
):
    url = create(participant_client, 100)["Location"]
    patch(participant_client, url, b"x" * 10, 0)
    path = resumable.part_path(upload_id(url))
    with committed():
        response = participant_client.delete(url, headers=TUS)
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not ResumableUpload.objects.exists()
    assert not path.exists()
    assert head(participant_client, url).status_code == HTTPStatus.NOT_FOUND


def test_an_expired_upload_is_refused_and_deleted(
    participant_client, campaign, committed
):
    url = create(participant_client, 100)["Location"]
    patch(participant_client, url, b"x" * 10, 0)
    path = resumable.part_path(upload_id(url))
    ResumableUpload.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with committed():
        response = patch(participant_client, url, b"x" * 10, 10)
    assert response.status_code == HTTPStatus.GONE
    assert not ResumableUpload.objects.exists()
    assert not path.exists()
    assert head(participant_client, url).status_code == HTTPStatus.NOT_FOUND


def test_each_piece_pushes_the_expiry_back(participant_client, campaign, settings):
    url = create(participant_client, 100)["Location"]
    ResumableUpload.objects.update(expires_at=timezone.now() + dt.timedelta(minutes=5))
    patch(participant_client, url, b"x" * 10, 0)
    left = ResumableUpload.objects.get().expires_at - timezone.now()
    assert left > dt.timedelta(hours=settings.RESUMABLE_UPLOAD_EXPIRY_HOURS - 1)


def test_the_sweep_deletes_expired_uploads_and_orphan_files(
    participant, campaign, committed, settings
):
    fresh = services.resumable_upload_create(participant=participant, length=10)
    old = services.resumable_upload_create(participant=participant, length=10)
    ResumableUpload.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    orphan = resumable.upload_dir() / f"{uuid.uuid4()}.part"
    orphan.write_bytes(b"left behind")
    young_orphan = resumable.upload_dir() / f"{uuid.uuid4()}.part"
    young_orphan.write_bytes(b"row still committing")
    long_ago = time.time() - (settings.RESUMABLE_UPLOAD_EXPIRY_HOURS + 1) * 3600
    os.utime(orphan, (long_ago, long_ago))
    with committed():
        from challenge.tasks import expire_resumable_uploads

        assert expire_resumable_uploads.delay().get() == 2
    assert list(ResumableUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert resumable.part_path(fresh.pk).exists()
    assert not resumable.part_path(old.pk).exists()
    assert not orphan.exists()
    assert young_orphan.exists()


def test_a_participant_keeps_at_most_a_few_open_uploads(
    participant_client, campaign, settings, committed
):
    settings.RESUMABLE_UPLOADS_OPEN_MAX = 2
    with committed():
        urls = [create(participant_client, 100)["Location"] for _ in range(3)]
    assert head(participant_client, urls[0]).status_code == HTTPStatus.NOT_FOUND
    assert head(participant_client, urls[1]).status_code == HTTPStatus.OK
    assert head(participant_client, urls[2]).status_code == HTTPStatus.OK
    assert not resumable.part_path(upload_id(urls[0])).exists()


def test_the_daily_limit_and_a_closed_campaign_refuse_before_the_first_byte(
    participant_client, participant, campaign, settings
):
    settings.CHALLENGE_DAILY_ENTRY_LIMIT = 0
    response = create(participant_client, 100)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "in the last 24 hours" in response.content.decode()
    settings.CHALLENGE_DAILY_ENTRY_LIMIT = 5
    campaign.ends_at = timezone.now() - dt.timedelta(minutes=1)
    campaign.save()
    site_snapshot_forget()
    response = create(participant_client, 100)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not ResumableUpload.objects.exists()


def test_csrf_protection_stays_on_for_the_upload_requests(participant, campaign):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(participant.user)
    assert create(browser, 100).status_code == HTTPStatus.FORBIDDEN
    browser.get(SUBMIT)
    token = browser.cookies["csrftoken"].value
    created = create(browser, 100, **{"X-CSRFToken": token})
    assert created.status_code == HTTPStatus.CREATED
    url = created["Location"]
    assert head(browser, url).status_code == HTTPStatus.OK  # a safe method
    assert patch(browser, url, b"x" * 10, 0).status_code == HTTPStatus.FORBIDDEN
    piece = patch(browser, url, b"x" * 10, 0, **{"X-CSRFToken": token})
    assert piece.status_code == HTTPStatus.NO_CONTENT
    assert browser.delete(url, headers=TUS).status_code == HTTPStatus.FORBIDDEN
    deleted = browser.delete(url, headers={**TUS, "X-CSRFToken": token})
    assert deleted.status_code == HTTPStatus.NO_CONTENT


class SlowStream:
    def __init__(self, content: bytes):
        self.data = io.BytesIO(content)

    def read(self, size=-1):
        time.sleep(0.01)
        return self.data.read(min(size, 1000))


def test_two_pieces_at_the_same_offset_at_once_one_wins(transactional_db, campaign):
    participant = make_participant()
    upload = services.resumable_upload_create(participant=participant, length=40_000)

    def send(fill: bytes):
        return services.resumable_upload_append(
            upload_id=upload.pk,
            participant=participant,
            offset=0,
            stream=SlowStream(fill * 20_000),
            content_length=20_000,
        ).offset

    results = race([lambda: send(b"a"), lambda: send(b"b")])
    won = [value for kind, value in results if kind == "ok"]
    lost = [value for kind, value in results if kind == "error"]
    assert won == [20_000], results
    assert len(lost) == 1 and isinstance(lost[0], UploadBusy | UploadOffsetConflict)
    content = resumable.part_path(upload.pk).read_bytes()
    assert content in (b"a" * 20_000, b"b" * 20_000)


# --- The form after the upload ----------------------------------------------------------


def test_a_finished_upload_becomes_an_entry_through_the_same_pipeline(
    participant_client, campaign, clip_bytes, committed
):
    url = send_whole(participant_client, clip_bytes)
    data = entry_post_data(None, upload=str(upload_id(url)))
    with committed():
        response = participant_client.post(
            SUBMIT, data, headers={"Accept": "application/json"}
        )
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["ok"] is True
    entry = Entry.objects.get()
    assert entry.state == S.PENDING_REVIEW
    assert entry.video.status == Video.Status.READY
    assert entry.video.original_name == "kind.mp4"
    assert not ResumableUpload.objects.exists()
    assert not resumable.part_path(upload_id(url)).exists()


def test_a_finished_upload_goes_to_the_nudge_with_a_watched_word(
    participant_client, campaign, clip_bytes
):
    from challenge.models import WatchedWord

    WatchedWord.objects.get_or_create(phrase="idiot", language="en")
    url = send_whole(participant_client, clip_bytes)
    data = entry_post_data(None, upload=str(upload_id(url)), caption="you idiot")
    response = participant_client.post(SUBMIT, data)
    nudge = Nudge.objects.get()
    assert response["Location"] == reverse("challenge:nudge", kwargs={"pk": nudge.pk})
    assert nudge.video is not None and not Entry.objects.exists()


def test_a_minors_finished_upload_waits_for_the_guardian(client, campaign, clip_bytes):
    minor = make_participant(age=14, country="DE", handle="young_one")
    client.force_login(minor.user)
    url = send_whole(client, clip_bytes)
    data = entry_post_data(None, upload=str(upload_id(url)))
    refused = client.post(SUBMIT, data)
    assert refused.status_code == HTTPStatus.OK
    assert not Entry.objects.exists()
    # The form asked for the guardian's address: the upload is still there.
    assert ResumableUpload.objects.filter(pk=upload_id(url)).exists()
    data["guardian_email"] = "parent@example.org"
    client.post(SUBMIT, data)
    entry = Entry.objects.get()
    assert entry.state == S.DRAFT


def test_an_unfinished_or_foreign_upload_cannot_become_an_entry(
    participant_client, campaign, clip_bytes
):
    url = create(participant_client, len(clip_bytes))["Location"]
    patch(participant_client, url, clip_bytes[:100], 0)
    response = participant_client.post(
        SUBMIT, entry_post_data(None, upload=str(upload_id(url)))
    )
    assert "has not finished uploading" in response.content.decode()
    stranger = Client()
    stranger.force_login(make_participant(handle="forger").user)
    forged = stranger.post(SUBMIT, entry_post_data(None, upload=str(upload_id(url))))
    assert "could not find this upload" in forged.content.decode()
    assert not Entry.objects.exists()


def test_the_same_form_sent_twice_after_an_upload_gives_one_entry(
    participant_client, campaign, clip_bytes
):
    url = send_whole(participant_client, clip_bytes)
    data = entry_post_data(None, upload=str(upload_id(url)))
    participant_client.post(SUBMIT, data)
    again = participant_client.post(SUBMIT, data, follow=True)
    assert "We had already received this entry" in again.content.decode()
    assert Entry.objects.count() == 1


def test_the_daily_limit_is_checked_again_at_the_end(
    participant_client, campaign, clip_bytes, settings
):
    url = send_whole(participant_client, clip_bytes)
    settings.CHALLENGE_DAILY_ENTRY_LIMIT = 0
    response = participant_client.post(
        SUBMIT, entry_post_data(None, upload=str(upload_id(url)))
    )
    assert "in the last 24 hours" in response.content.decode()
    assert not Entry.objects.exists()


def test_neither_a_file_nor_an_upload_asks_for_the_video(participant_client, campaign):
    response = participant_client.post(SUBMIT, entry_post_data(None))
    assert "Please choose a video file." in response.content.decode()
    assert not Entry.objects.exists()


# --- How long review usually takes ------------------------------------------------------


def _decided(entry, moderator, *, waited: dt.timedelta):
    from challenge.models import EntryEvent

    now = timezone.now()
    entered = EntryEvent.objects.create(
        entry=entry, from_state=S.PROCESSING, to_state=S.PENDING_REVIEW
    )
    decided = EntryEvent.objects.create(
        entry=entry, actor=moderator, from_state=S.PENDING_REVIEW, to_state=S.APPROVED
    )
    EntryEvent.objects.filter(pk=entered.pk).update(created_at=now - waited)
    EntryEvent.objects.filter(pk=decided.pk).update(created_at=now)


def test_the_page_says_how_long_review_usually_takes(
    participant_client, campaign, moderator, settings
):
    from django.core.cache import cache

    from tests.challenge.factories import make_entry

    settings.REVIEW_TIME_MIN_DECISIONS = 3
    entries = [make_entry(state=S.PENDING_REVIEW) for _ in range(3)]
    for entry, hours in zip(entries[:2], (1, 3), strict=True):
        _decided(entry, moderator, waited=dt.timedelta(hours=hours))
    page = participant_client.get(SUBMIT).content.decode()
    assert "usually reviews a video" not in page  # two decisions say little

    cache.clear()
    _decided(entries[2], moderator, waited=dt.timedelta(hours=5))
    page = participant_client.get(SUBMIT).content.decode()
    assert "Our team usually reviews a video within 3\xa0hours." in page


def test_only_the_submit_page_may_use_the_camera_and_play_blob_previews(
    participant_client, campaign
):
    page = participant_client.get(SUBMIT)
    policy = page["Permissions-Policy"]
    assert "camera=(self)" in policy and "microphone=(self)" in policy
    assert "geolocation=()" in policy
    assert "blob:" in page["Content-Security-Policy"].split("media-src", 1)[1]
    other = participant_client.get(reverse("challenge:my_entries"))
    assert "camera=()" in other["Permissions-Policy"]
    assert "microphone=()" in other["Permissions-Policy"]
