"""The top rung's stage on a real Celery worker on real Redis, in time: an approval
publishes the entry while the worker makes the top rung; a removal or a withdrawal
landing while it does; the worker killed mid-way and the sweep sending it again.

"While" waits for the worker to be writing the top rung's segments in its temp
folder, then acts (docs/decisions.md, "A review copy first").
"""

import datetime as dt
import os
import signal
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from campaign.models import Campaign
from challenge.models import Entry
from challenge.services import submission
from challenge.services.moderation import decisions
from tests.challenge.factories import make_participant, make_user
from tests.conftest import wait_for
from videos.clips import make_clip
from videos.models import Video, private_storage
from videos.services import temp_root, video_sweep

pytestmark = [pytest.mark.services, pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    # 720p (so a top rung exists) and long enough, at the slower preset, for a
    # decision to land while the worker writes the top rung.
    folder = tmp_path_factory.mktemp("review-copy-worker")
    return make_clip(folder / "walk.mp4", seconds=4, width=1280, height=720, fps=25)


@pytest.fixture
def worker(monkeypatch, transactional_db, request, settings):
    monkeypatch.setenv("VIDEO_X264_PRESET", "medium")
    # Off by default (config/settings.py): on, for the worker and this process.
    monkeypatch.setenv("VIDEO_REVIEW_COPY_FIRST", "1")
    settings.VIDEO_REVIEW_COPY_FIRST = True
    return request.getfixturevalue("celery_worker")


def _submit(clip: Path) -> Entry:
    Campaign.objects.create(
        name="#CreateKindness",
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    with clip.open("rb") as handle:
        result = submission.entry_upload(
            participant=make_participant(),
            file=File(handle, name="walk.mp4"),
            caption="Be kind",
            prompt="moment",
            language="en",
            submission_token=None,
            guardian_email="",
        )
    return result.entry


def _waiting_for_review(entry, worker) -> Video:
    wait_for(
        lambda: Entry.objects.filter(pk=entry.pk, state="pending_review").exists(),
        timeout=120,
        what="the review copy",
        worker=worker,
    )
    return Video.objects.get(pk=entry.video_id)


def _making_top_rung(video_id, worker) -> None:
    wait_for(
        lambda: list(temp_root().glob(f"{video_id}-*/hls/720p/*.m4s")),
        timeout=120,
        what="the worker to be writing the top rung",
        worker=worker,
    )


def _top_run_ended(worker, count: int = 1) -> bool:
    lines = worker.log.read_text().splitlines()
    ended = [
        line
        for line in lines
        if "videos.tasks.make_top_rung[" in line
        and ("succeeded" in line or "raised" in line)
    ]
    return len(ended) >= count


def _stored(video_id) -> set[str]:
    folder = Path(private_storage().path(f"videos/{video_id}"))
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
    }


def _approve(entry, moderator) -> None:
    with transaction.atomic():
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)


def test_an_approved_entry_is_public_while_its_top_rung_is_made(clip, worker, client):
    entry = _submit(clip)
    video = _waiting_for_review(entry, worker)
    assert video.top_rung == Video.TopRung.WAITING
    _approve(entry, make_user(moderator=True))
    _making_top_rung(video.pk, worker)

    master = client.get(f"/v/{video.pk}/hls/master.m3u8")
    assert master.status_code == HTTPStatus.OK
    assert b"480p/index.m3u8" in master.content
    assert b"720p" not in master.content
    assert client.get(f"/v/{video.pk}/video.mp4").status_code == HTTPStatus.OK

    wait_for(
        lambda: Video.objects.filter(pk=video.pk, top_rung="").exists(),
        timeout=120,
        what="the top rung",
        worker=worker,
    )
    master = client.get(f"/v/{video.pk}/hls/master.m3u8")
    assert b"720p/index.m3u8" in master.content
    files = _stored(video.pk)
    assert "hls/720p/init.mp4" in files and "video.mp4" in files
    assert not {"review.mp4", "source", "hls/master.m3u8"} & files


def test_a_removal_while_the_top_rung_is_made_keeps_nothing_of_it(clip, worker):
    entry = _submit(clip)
    video = _waiting_for_review(entry, worker)
    moderator = make_user(moderator=True)
    _approve(entry, moderator)
    _making_top_rung(video.pk, worker)
    with transaction.atomic():
        decisions.entry_reject(
            entry_id=entry.pk,
            actor=moderator,
            reason="off_theme",
            expected_from={Entry.State.APPROVED},
        )
    wait_for(lambda: _top_run_ended(worker), timeout=120, what="the top rung's run")
    wait_for(
        lambda: not list(temp_root().glob(f"{video.pk}-*")),
        timeout=30,
        what="the worker's temp folder to go",
    )

    video.refresh_from_db()
    assert video.top_rung == Video.TopRung.DROPPED, worker.log.read_text()[-3000:]
    assert not video.source
    assert [rung["name"] for rung in video.ladder] == ["240p", "480p"]
    files = _stored(video.pk)
    assert not any(name.startswith("hls/720p") for name in files), files
    assert not {"video.mp4", "hls/whole.m3u8", "source"} & files


def test_a_withdrawal_while_the_top_rung_is_made_leaves_no_file(clip, worker, client):
    entry = _submit(clip)
    video = _waiting_for_review(entry, worker)
    _approve(entry, make_user(moderator=True))
    _making_top_rung(video.pk, worker)
    with transaction.atomic():
        submission.entry_withdraw(entry=Entry.objects.get(pk=entry.pk))
    wait_for(lambda: _top_run_ended(worker), timeout=120, what="the top rung's run")
    wait_for(
        lambda: not list(temp_root().glob(f"{video.pk}-*")),
        timeout=30,
        what="the worker's temp folder to go",
    )

    assert _stored(video.pk) == set(), worker.log.read_text()[-3000:]
    video.refresh_from_db()
    assert video.status == Video.Status.DELETED
    client.force_login(make_user(superuser=True))
    for name in ("video.mp4", "poster.webp", "hls/master.m3u8"):
        assert client.get(f"/v/{video.pk}/{name}").status_code == 404


def test_a_worker_killed_during_the_top_rung_is_picked_up_by_the_sweep(clip, worker):
    entry = _submit(clip)
    video = _waiting_for_review(entry, worker)
    _approve(entry, make_user(moderator=True))
    _making_top_rung(video.pk, worker)
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait()
    video.refresh_from_db()
    assert video.top_rung == Video.TopRung.MAKING

    worker.start()
    later = timezone.now() + dt.timedelta(hours=1)
    with transaction.atomic():
        swept = video_sweep(now=later)
    assert swept["top_requeued"] == [str(video.pk)]
    wait_for(
        lambda: Video.objects.filter(pk=video.pk, top_rung="").exists(),
        timeout=120,
        what="the top rung, made again",
        worker=worker,
    )
    video.refresh_from_db()
    assert video.top_attempts == 2
    assert [rung["name"] for rung in video.ladder] == ["240p", "480p", "720p"]
    assert not video.source
    assert os.path.exists(private_storage().path(f"videos/{video.pk}/video.mp4"))
