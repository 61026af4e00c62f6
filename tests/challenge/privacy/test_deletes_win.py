"""A delete always wins: every kind of delete, landing before, during and after the
transcode on a real Celery worker (on local storage and on an S3 server), leaves no
object of the video and serves nothing of it.

"During" waits for the worker to be writing the ladder's segments, then deletes:
the transcode finishes after the delete has committed and its files are gone, and
must not bring them back. "Before" deletes while the worker is stopped (the task
waits in Redis), "after" once the video is ready.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from campaign.models import Campaign
from challenge.models import GuardianConsent, Nudge, WatchedWord
from challenge.services import guardian, privacy, submission
from tests.challenge.factories import make_participant, make_user
from tests.conftest import wait_for
from tests.s3 import BUCKET
from videos.clips import make_clip
from videos.models import Video, private_storage
from videos.services import temp_root

pytestmark = [pytest.mark.services, pytest.mark.worker, pytest.mark.slow]

KINDS = [
    "withdraw",
    "guardian_refusal",
    "guardian_revoke",
    "nudge_cancel",
    "nudge_abandoned",
    "retention",
    "account_deletion",
]
WHEN = ["before", "during", "after"]
MINOR = {"guardian_refusal", "guardian_revoke", "retention"}
NUDGED = {"nudge_cancel", "nudge_abandoned"}


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    # Long and large enough, at the worker's slower preset, for a delete to land
    # while it transcodes (the first segments come seconds before the end).
    folder = tmp_path_factory.mktemp("deletes")
    return make_clip(folder / "walk.mp4", seconds=4, width=960, height=540, fps=25)


@pytest.fixture(params=["local", "s3"])
def storage_kind(request, monkeypatch, tmp_path):
    """Local: the worker shares this machine's folders. S3: the shape docs/deploy.md
    recommends, the worker on a machine of its own (its own temp folders) and the
    bucket shared; the worker reads its storage from the environment, the test
    process from tests/s3.py's override."""
    monkeypatch.setenv("VIDEO_X264_PRESET", "medium")
    if request.param == "s3":
        monkeypatch.setenv("WORKER_DATA_DIR", str(tmp_path / "worker-machine"))
        request.getfixturevalue("s3_private")
        endpoint = request.getfixturevalue("s3_endpoint")
        for name, value in {
            "S3_PRIVATE_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": endpoint,
            "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test",
        }.items():
            monkeypatch.setenv(name, value)
    return request.param


@pytest.fixture
def worker(storage_kind, transactional_db, request):
    return request.getfixturevalue("celery_worker")


def _worker_temp() -> Path:
    """The worker's temp folder for videos (videos.services.temp_root there)."""
    data_dir = os.environ.get("WORKER_DATA_DIR")
    return Path(data_dir) / "tmp" / "videos" if data_dir else temp_root()


def _stored(video_id) -> list[str]:
    """Every object under videos/<id>/ in the private storage, listed for real."""
    storage = private_storage()
    client = getattr(getattr(storage, "connection", None), "meta", None)
    if client is not None:
        answer = client.client.list_objects_v2(
            Bucket=BUCKET, Prefix=f"videos/{video_id}/"
        )
        return [item["Key"] for item in answer.get("Contents", [])]
    folder = Path(storage.path(f"videos/{video_id}"))
    return [
        str(Path(root) / name)
        for root, _dirs, files in os.walk(folder)
        for name in files
    ]


def _served(client, video_id) -> dict[str, int]:
    """What a superuser (who may fetch any file that exists) gets for each file."""
    urls = {
        "video": f"/v/{video_id}/video.mp4",
        "poster": f"/v/{video_id}/poster.webp",
        "original": f"/v/{video_id}/original",
        "stream": f"/v/{video_id}/hls/master.m3u8",
    }
    answers = {name: client.get(url).status_code for name, url in urls.items()}
    return {name: status for name, status in answers.items() if status != 404}


def _submit(kind: str, clip: Path):
    """Upload through the real service; return (video id, the delete to apply)."""
    Campaign.objects.create(
        name="#CreateKindness",
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    participant = make_participant(age=12 if kind in MINOR else 25, country="FR")
    caption = "Be kind"
    if kind in NUDGED:
        WatchedWord.objects.create(phrase="idiot", language="en")
        caption = "Do not be an idiot"
    with clip.open("rb") as handle:
        result = submission.entry_upload(
            participant=participant,
            file=File(handle, name="walk.mp4"),
            caption=caption,
            prompt="moment",
            language="en",
            submission_token=None,
            guardian_email="parent@example.org" if kind in MINOR else "",
        )
    held = result.entry or result.nudge
    video_id = held.video_id
    if kind in MINOR:
        consent = GuardianConsent.objects.get(entry=result.entry)
        token = guardian.guardian_token(consent)
    if kind == "guardian_revoke":
        guardian.guardian_decide(token=token, confirm=True)

    def delete():
        if kind == "withdraw":
            submission.entry_withdraw(entry=result.entry)
        elif kind == "guardian_refusal":
            guardian.guardian_decide(token=token, confirm=False)
        elif kind == "guardian_revoke":
            guardian.guardian_revoke(token=guardian.revoke_token(consent))
        elif kind == "nudge_cancel":
            submission.nudge_decide(
                nudge_id=held.pk,
                participant=participant,
                choice=submission.NudgeChoice.CANCEL,
            )
        elif kind == "nudge_abandoned":
            Nudge.objects.filter(pk=held.pk).update(
                created_at=timezone.now() - dt.timedelta(days=1)
            )
            assert submission.nudges_expire_abandoned() == 1
        elif kind == "retention":
            later = timezone.now() + dt.timedelta(days=settings.GUARDIAN_WAIT_DAYS + 1)
            assert privacy.retention_sweep(now=later)["guardian_no_answer"] == 1
        elif kind == "account_deletion":
            privacy.account_delete(user=participant.user)

    return video_id, delete


def _processing_ended(worker) -> bool:
    log = worker.log.read_text()
    return any(
        "videos.tasks.process_video[" in line and "succeeded" in line
        for line in log.splitlines()
    )


@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize("kind", KINDS)
def test_a_delete_wins_over_the_transcode(kind, when, clip, worker, client, tmp_path):
    if when == "before":
        worker.stop()  # the task waits in Redis
    video_id, delete = _submit(kind, clip)
    if when == "during":
        wait_for(
            lambda: list(_worker_temp().glob(f"{video_id}-*/hls/*/*")),
            timeout=60,
            what="the worker to be writing the ladder",
            worker=worker,
        )
    elif when == "after":
        wait_for(
            lambda: Video.objects.filter(pk=video_id, status="ready").exists(),
            timeout=90,
            what="the video to be ready",
            worker=worker,
        )
        assert _stored(video_id), "a ready video has files"

    with transaction.atomic():
        delete()

    if when == "during":
        assert list(_worker_temp().glob(f"{video_id}-*")), "the delete landed mid-run"
    if when == "before":
        worker.start()
    wait_for(
        lambda: _processing_ended(worker),
        timeout=90,
        what="the worker to end its run",
        worker=worker,
    )
    wait_for(
        lambda: not list(_worker_temp().glob(f"{video_id}-*")),
        timeout=30,
        what="the worker's temp folder to go",
    )

    assert _stored(video_id) == [], worker.log.read_text()[-3000:]
    client.force_login(make_user(superuser=True))
    assert _served(client, video_id) == {}
    video = Video.objects.get(pk=video_id)
    assert video.status == Video.Status.DELETED
    assert not (video.source or video.output or video.poster or video.stream)
    assert "DoesNotExist" not in worker.log.read_text()
