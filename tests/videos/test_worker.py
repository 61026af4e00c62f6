"""A real Celery worker on real Redis, killed with SIGKILL in the middle of a
transcode: after a restart and the sweep, the video is ready with one output."""

import signal
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command

from tests.conftest import wait_for
from videos.clips import make_clip
from videos.models import Video
from videos.services import temp_root, video_create, video_delete_files

pytestmark = [pytest.mark.services, pytest.mark.worker, pytest.mark.slow]


def _transcode_children(video_id) -> list[str]:
    """Processes still running videos.bounded for this video, wherever they are."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"videos.bounded" in cmdline and str(video_id).encode() in cmdline:
            found.append(entry.name)
    return found


@pytest.fixture
def slower_worker_env(monkeypatch):
    """A slower x264 preset for the worker process only, so the kill reliably lands
    mid-transcode (the celery_worker fixture copies os.environ when it starts)."""
    monkeypatch.setenv("VIDEO_X264_PRESET", "medium")


def test_worker_killed_mid_transcode_recovers_with_exactly_one_output(
    slower_worker_env, celery_worker, settings, tmp_path
):
    clip = make_clip(tmp_path / "walk.mp4", seconds=6, width=1280, height=720, fps=30)
    with clip.open("rb") as handle:
        video = video_create(
            file=File(handle, name="walk.mp4"), original_name="walk.mp4"
        )
    try:
        wait_for(
            # the ladder's segments are encoded first; video.mp4 is a remux of the
            # top rung at the very end, there for a moment only
            lambda: list(temp_root().glob(f"{video.pk}-*/hls/*/*")),
            timeout=60,
            what="the worker to start writing the ladder's segments",
            worker=celery_worker,
        )
        celery_worker.stop(sig=signal.SIGKILL)
        assert celery_worker.process.returncode == -signal.SIGKILL
        wait_for(
            lambda: not _transcode_children(video.pk),
            timeout=10,
            what="the transcode child to die with its worker",
        )

        video.refresh_from_db()
        assert video.status == Video.Status.PROCESSING, "killed before it finished"
        assert video.attempts == 1
        assert not video.output
        assert list(temp_root().glob(f"{video.pk}-*")), "a half-written temp file"

        celery_worker.start()
        settings.VIDEO_STUCK_AFTER_SECONDS = 0
        call_command("video_sweep", stdout=(tmp_path / "sweep.txt").open("w"))
        assert str(video.pk) in (tmp_path / "sweep.txt").read_text()

        wait_for(
            lambda: Video.objects.filter(
                pk=video.pk, status__in=[Video.Status.READY, Video.Status.FAILED]
            ).exists(),
            timeout=90,
            what="the video to be processed again",
            worker=celery_worker,
        )
        video.refresh_from_db()
        assert video.status == Video.Status.READY, video.failure_detail
        assert video.attempts == 2
        folder = Path(video.output.path).parent
        assert sorted(p.name for p in folder.iterdir()) == [
            "hls",
            "poster.webp",
            "source",
            "video.mp4",
        ]
        # one ladder: a master playlist and one folder per rung, no leftovers
        assert video.stream and (folder / "hls" / "master.m3u8").is_file()
        rungs = sorted(p.name for p in (folder / "hls").iterdir() if p.is_dir())
        assert len(rungs) == len(video.ladder)
        assert not list(temp_root().glob(f"{video.pk}-*"))
        assert (video.width, video.height) == (1280, 720)
    finally:
        video_delete_files(video=video)
