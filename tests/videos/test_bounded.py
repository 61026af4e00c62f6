"""The memory ceiling: each transcode runs in a child process capped at
VIDEO_WORKER_MEMORY_MB, and whatever happens to that child, the worker carries on
and the video ends with a reason that does not ask for a retry."""

import os
import resource
import signal
import threading
import time
from pathlib import Path

import pytest

from bench import corpus
from videos.models import Video
from videos.services import video_process
from videos.tasks import process_video

pytestmark = pytest.mark.django_db


def _children_running_pipeline() -> list[int]:
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == me and b"videos.bounded" in cmdline:
            found.append(int(entry.name))
    return found


def test_a_bomb_past_the_header_checks_is_stopped_by_the_ceiling(
    upload, settings, tmp_path, monkeypatch
):
    """With the header checks lifted, a 4.8 MB file of two 16000 x 16000 frames
    (768 MB each decoded) reaches the decoder: the child runs out of room, the
    worker does not grow, and the video fails once, for good."""
    settings.VIDEO_MAX_DIMENSION = 16000
    settings.VIDEO_MAX_PIXELS = 16000 * 16000
    settings.VIDEO_WORKER_MEMORY_MB = 600
    video = upload(corpus.decompression_bomb(tmp_path, "http://127.0.0.1:9"))
    retries = []
    monkeypatch.setattr(process_video, "retry", lambda *a, **k: retries.append(1))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    process_video.delay(str(video.pk))

    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert video.failure_code == "too_demanding", video.failure_detail
    assert "too demanding to process" in video.failure_reason
    assert "try again later" not in video.failure_reason
    assert "ceiling 600 MB" in video.failure_detail
    assert video.attempts == 1 and retries == []
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100


def test_a_child_killed_from_outside_ends_too_demanding(upload, clips):
    """The kernel's OOM killer (or anyone) sending SIGKILL to the transcode."""
    video = upload(clips["landscape"])
    killed = []

    def kill_the_child():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not killed:
            for pid in _children_running_pipeline():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.005)

    killer = threading.Thread(target=kill_the_child)
    killer.start()
    video = video_process(video_id=video.pk)
    killer.join()

    assert killed
    assert video.status == Video.Status.FAILED
    assert video.failure_code == "too_demanding"
    assert "SIGKILL" in video.failure_detail


def test_a_crash_inside_the_child_is_unprocessable_not_internal(
    upload, clips, settings
):
    settings.VIDEO_X264_PRESET = "no-such-preset"  # the encoder refuses to open

    video = video_process(video_id=upload(clips["landscape"]).pk)

    assert video.status == Video.Status.FAILED
    assert video.failure_code == "unprocessable", video.failure_detail
    assert "Traceback" in video.failure_detail
    assert "try again later" not in video.failure_reason


def test_the_child_reports_its_peak_memory_and_leaves_no_process(upload, clips):
    video = video_process(video_id=upload(clips["landscape"]).pk)

    assert video.status == Video.Status.READY
    stats = video.probe["pipeline"]
    assert 0 < stats["child_peak_rss_mb"] <= stats["child_peak_vm_mb"] <= 1024
    assert _children_running_pipeline() == []
