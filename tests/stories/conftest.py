import datetime as dt
from pathlib import Path

import pytest
from django.core.files import File
from django.utils import timezone

from stories.demo import demo_captions
from stories.demo_text import DEMO_CUE
from stories.models import Caption, Episode, Series
from videos.clips import make_clip

LANGUAGES = ("en", "it", "fr", "de")


CAPTION_LINES = {
    "en": "Be kind online",
    "it": "Sii gentile online",
    "fr": "Sois gentil en ligne",
    "de": "Sei freundlich im Netz",
}


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory) -> Path:
    """A 2-second portrait clip with sound, made once per test session."""
    folder = tmp_path_factory.mktemp("stories-clips")
    return make_clip(folder / "tiny.mp4", seconds=2, width=144, height=256, fps=12)


@pytest.fixture
def ready_video(db, tiny_clip, django_capture_on_commit_callbacks):
    """A video processed by the real pipeline (the task runs eagerly on commit)."""
    from videos.services import video_create

    with (
        django_capture_on_commit_callbacks(execute=True),
        tiny_clip.open("rb") as handle,
    ):
        video = video_create(
            file=File(handle, name="tiny.mp4"), original_name="tiny.mp4"
        )
    video.refresh_from_db()
    assert video.status == video.Status.READY, video.failure_detail
    return video


@pytest.fixture
def series(db):
    return Series.objects.create(
        slug="create-kindness",
        title_en="#CreateKindness",
        title_it="#CreateKindness",
        published_by="@TikTokTips",
    )


@pytest.fixture
def make_episode(series):
    def _make(slug="block-the-bullies", *, order=0, days_ago=1, video=None, **extra):
        publish_at = (
            None if days_ago is None else timezone.now() - dt.timedelta(days=days_ago)
        )
        fields = {
            "title_en": f"{slug} EN",
            "title_it": f"{slug} IT",
            "title_fr": f"{slug} FR",
            "title_de": f"{slug} DE",
            "synopsis_en": "A story about kindness.",
            "synopsis_it": "Una storia sulla gentilezza.",
            "synopsis_fr": "Une histoire de gentillesse.",
            "synopsis_de": "Eine Geschichte über Freundlichkeit.",
            "tips_en": "Block and report.\nTell a friend.",
            "creator_handle": "@milkymichii",
            "creator_name": "milkymichii",
            "situation": Episode.Situation.UNKIND_DUETS,
            **extra,
        }
        return Episode.objects.create(
            series=series,
            slug=slug,
            order=order,
            publish_at=publish_at,
            video=video,
            **fields,
        )

    return _make


@pytest.fixture
def add_captions():
    def _add(episode, languages=LANGUAGES):
        for language in languages:
            Caption.objects.create(
                episode=episode,
                language=language,
                text=demo_captions(
                    title=f"Title {language}",
                    line=CAPTION_LINES[language],
                    behind=f"Original episode by {episode.creator_handle}",
                    notice=DEMO_CUE[language],
                    seconds=2,
                ),
            )

    return _add
