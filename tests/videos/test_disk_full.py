"""A transcode whose disk fills up, for real (a small tmpfs under the worker's temp
folder): FFmpeg's ENOSPC is transient, the video waits, no attempt is used up."""

import errno

import pytest

from videos.models import Video
from videos.services import TRANSIENT_ERRORS, video_process

pytestmark = pytest.mark.slow


def test_a_transcode_that_fills_the_disk_is_retryable_and_leaves_nothing(
    upload, clips, settings, small_volume
):
    video = upload(clips["landscape"])  # the source on the private storage's disk
    settings.DATA_DIR = small_volume.path  # the worker's temp folder: the tmpfs
    (small_volume.path / "tmp").mkdir()
    small_volume.fill(leave=48 * 1024)

    with pytest.raises(TRANSIENT_ERRORS) as raised:
        video_process(video_id=video.pk)

    assert raised.value.errno == errno.ENOSPC
    video.refresh_from_db()
    assert video.status == Video.Status.PENDING
    assert video.attempts == 0
    assert not video.output
    assert small_volume.files() == []  # the run's temp folder is gone

    small_volume.empty()  # room again: the retry makes the video
    assert video_process(video_id=video.pk).status == Video.Status.READY
