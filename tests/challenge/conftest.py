"""Fixtures for the challenge tests: a live campaign, participants, real clips."""

import datetime as dt
import itertools
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaign.models import Campaign
from challenge.models import Participant
from videos.testing import make_clip

_numbers = itertools.count(1)
PASSWORD = "kind-Passw0rd-42"


@pytest.fixture
def campaign(db):
    now = timezone.now()
    return Campaign.objects.create(
        name="#CreateKindness",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
    )


def birth_for_age(age: int, today: dt.date | None = None) -> tuple[int, int]:
    """A (year, month) of birth that makes someone exactly `age` today."""
    today = today or timezone.localdate()
    month = 1 if today.month > 1 else 12
    year = today.year - age - (0 if today.month > 1 else 1)
    return year, month


def make_account(*, email=None, verified=True, password=PASSWORD):
    number = next(_numbers)
    email = email or f"person{number}-{uuid.uuid4().hex[:6]}@example.org"
    user = get_user_model().objects.create_user(
        username=f"person{number}-{uuid.uuid4().hex[:6]}",
        email=email,
        password=password,
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def make_participant(*, age=25, country="FR", handle=None, user=None, language="en"):
    year, month = birth_for_age(age)
    return Participant.objects.create(
        user=user or make_account(),
        handle=handle or f"kind_{next(_numbers)}",
        birth_year=year,
        birth_month=month,
        country=country,
        language=language,
    )


@pytest.fixture
def participant(db):
    return make_participant()


@pytest.fixture
def participant_client(client, participant):
    client.force_login(participant.user)
    return client


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


def entry_post_data(upload_file, **overrides):
    data = {
        "caption": "My friend helped me when I felt alone",
        "prompt": "moment",
        "language": "en",
        "accept_rules": "on",
        "accept_gallery": "on",
        "submission_token": str(uuid.uuid4()),
        "video": upload_file,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
