"""Site content shared by the journeys and the accessibility run. The browser
fixtures themselves are in tests/browser.py."""

from pathlib import Path

import pytest

from tests.conftest import wait_for

# --- Site content shared by the journeys and the accessibility run -----------------


@pytest.fixture(scope="session")
def e2e_clip(tmp_path_factory) -> Path:
    """A tiny portrait clip with sound (2 s, 160x288), made once per session."""
    from videos.clips import make_clip

    folder = tmp_path_factory.mktemp("e2e-clips")
    return make_clip(folder / "kind.mp4", seconds=2, width=160, height=288, fps=12)


def processed_video(clip: Path):
    """A Video run through the real pipeline (eagerly or by the worker), ready."""
    from django.core.files import File

    from videos.models import Video
    from videos.services import video_create

    with clip.open("rb") as handle:
        video = video_create(file=File(handle, name=clip.name), original_name=clip.name)
    wait_for(
        lambda: (
            Video.objects.filter(pk=video.pk)
            .exclude(status__in=(Video.Status.PENDING, Video.Status.PROCESSING))
            .exists()
        ),
        timeout=60,
        what="the episode's video to be processed",
    )
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.failure_detail
    return video


@pytest.fixture
def site_content(transactional_db, e2e_clip, tmp_path):
    """The demo campaign (helplines, partners), one published episode with captions
    in four languages, and one approved gallery entry with real files."""
    import datetime as dt

    from django.utils import timezone

    from campaign.demo import load_campaign
    from challenge.models import Entry
    from stories.demo import demo_captions
    from stories.demo_text import DEMO_CUE
    from stories.models import Caption, Episode, Series
    from tests.challenge.factories import make_entry

    load_campaign()
    series = Series.objects.create(
        slug="create-kindness", title_en="#CreateKindness", published_by="@TikTokTips"
    )
    lines = {
        "en": "Be kind online",
        "it": "Sii gentile online",
        "fr": "Sois gentil en ligne",
        "de": "Sei freundlich im Netz",
    }
    episode = Episode.objects.create(
        series=series,
        slug="block-the-bullies",
        order=0,
        publish_at=timezone.now() - dt.timedelta(days=1),
        video=processed_video(e2e_clip),
        creator_handle="@milkymichii",
        creator_name="milkymichii",
        situation=Episode.Situation.UNKIND_DUETS,
        **{f"title_{code}": f"Block the bullies ({code})" for code in lines},
        **{f"synopsis_{code}": "A story about kindness." for code in lines},
        tips_en="Block and report.\nTell a friend.",
    )
    for code, line in lines.items():
        Caption.objects.create(
            episode=episode,
            language=code,
            text=demo_captions(
                title=f"Title {code}",
                line=line,
                behind="Original episode by @milkymichii",
                notice=DEMO_CUE[code],
                seconds=2,
            ),
        )
    entry = make_entry(state=Entry.State.APPROVED, with_files=True, tmp_dir=tmp_path)
    return {"episode": episode, "entry": entry}
