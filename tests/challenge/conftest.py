"""Fixtures for the challenge tests: a live campaign, participants, moderators,
real clips. They call the factories in tests/challenge/factories.py."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaign.models import Campaign
from videos.clips import make_clip

from .factories import make_participant, make_user


@pytest.fixture
def campaign(db):
    now = timezone.now()
    return Campaign.objects.create(
        name="#CreateKindness",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
    )


@pytest.fixture
def participant(db):
    return make_participant()


@pytest.fixture
def participant_client(client, participant):
    client.force_login(participant.user)
    return client


@pytest.fixture
def moderator(db):
    return make_user(moderator=True)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (gallery cache invalidation) as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture(scope="session")
def clip_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    make_clip(path, seconds=1, width=160, height=120, fps=10)
    return path.read_bytes()


@pytest.fixture
def upload(clip_bytes):
    def _make(name="kindness.mp4", content=None):
        return SimpleUploadedFile(
            name, clip_bytes if content is None else content, content_type="video/mp4"
        )

    return _make
