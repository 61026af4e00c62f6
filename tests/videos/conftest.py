import shutil
from pathlib import Path

import pytest
from django.core.files import File

from videos.clips import make_clip
from videos.models import Video
from videos.services import video_create, video_delete_files


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """Good clips, made once per session (each takes well under a second)."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "landscape": make_clip(folder / "landscape.mp4", text="landscape"),
        "portrait": make_clip(folder / "portrait.mp4", rotation=90, text="portrait"),
        "silent": make_clip(folder / "silent.mkv", audio=False),
        "webm": make_clip(folder / "clip.webm", seconds=1),
        "avi": make_clip(folder / "clip.avi", seconds=1),
        "surround_5.1": make_clip(
            folder / "surround.mp4", seconds=1, audio_layout="5.1"
        ),
        "surround_7.1": make_clip(
            folder / "surround.webm", seconds=1, audio_layout="7.1"
        ),
        "mediarecorder": make_clip(folder / "recorded.webm", live=True),
        "tagged": make_clip(
            folder / "tagged.mov",
            metadata={
                "location": "+45.4642+009.1900/",
                "com.apple.quicktime.location.ISO6709": "+45.4642+009.1900+120.000/",
                "creation_time": "2024-05-01T10:00:00Z",
                "title": "Giulia at school",
                "artist": "Giulia Rossi",
                "comment": "secret comment",
            },
        ),
    }


@pytest.fixture
def upload(db, django_capture_on_commit_callbacks):
    """Store a file as a new pending Video without running the pipeline yet."""
    created = []

    def _upload(path: Path, name: str | None = None) -> Video:
        with (
            django_capture_on_commit_callbacks(execute=False),
            Path(path).open("rb") as handle,
        ):
            video = video_create(
                file=File(handle, name=Path(path).name),
                original_name=name or Path(path).name,
            )
        created.append(video)
        return video

    yield _upload
    for video in created:
        video_delete_files(video=video)


@pytest.fixture
def copy_clip(tmp_path):
    def _copy(source: Path, name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(source, target)
        return target

    return _copy
