"""The series teaser: cut by the pipeline from real processed episodes, re-made when
an episode changes (and only then), captioned from the episodes' own cues."""

import datetime as dt
from http import HTTPStatus
from pathlib import Path

import av
import pytest
from django.core.files import File
from django.utils import timezone
from PIL import Image, ImageStat

from stories import jobs
from stories.models import Caption, Teaser
from stories.selectors import teaser_shown
from stories.services import teaser_refresh
from stories.teaser import (
    REVEAL_GUARD,
    TEASER_SECONDS_EACH,
    Cut,
    names_creator,
    teaser_cues,
)
from stories.webvtt import Cue, parse_webvtt, write_webvtt
from videos.clips import make_clip
from videos.models import Video
from videos.owners import video_is_public
from videos.teaser import TEASER_FPS, TEASER_SIZE

LANGUAGES = ("en", "it", "fr", "de")


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Real clips of several shapes and lengths, made once for the module."""
    folder = tmp_path_factory.mktemp("teaser-clips")
    return {
        # portrait, long enough for a whole cut (3 s of 5)
        "long": make_clip(folder / "long.mp4", seconds=5, width=144, height=256),
        # short: the cut stops at REVEAL_GUARD of it (1.2 s of 2)
        "short": make_clip(folder / "short.mp4", seconds=2, width=144, height=256),
        # landscape, filmed sideways on a phone: covered and cropped, never stretched
        "sideways": make_clip(
            folder / "sideways.mov", seconds=4, width=256, height=144, rotation=90
        ),
        "landscape": make_clip(folder / "wide.mp4", seconds=2, width=320, height=180),
    }


@pytest.fixture
def processed(db, django_capture_on_commit_callbacks):
    """processed(clip) -> a Video run through the real pipeline (eager tasks)."""
    from videos.services import video_create

    def _process(clip: Path) -> Video:
        with (
            django_capture_on_commit_callbacks(execute=True),
            clip.open("rb") as handle,
        ):
            video = video_create(file=File(handle, name=clip.name), original_name="x")
        video.refresh_from_db()
        assert video.status == Video.Status.READY, video.failure_detail
        return video

    return _process


def caption_text(language: str, cues) -> str:
    return write_webvtt(
        [(start, end, f"{text} {language}") for start, end, text in cues]
    )


def teaser_file(teaser: Teaser) -> Path:
    return Path(teaser.video.output.path)


def run_task() -> None:
    """The task, sent by its name as the beat and the admin send it (eager here)."""
    from core.jobs import enqueue

    assert enqueue(jobs.REFRESH_TEASER)


@pytest.mark.slow
def test_the_teaser_is_cut_by_the_pipeline_from_real_episodes(
    make_episode, processed, clips
):
    make_episode("one", order=0, video=processed(clips["long"]))
    make_episode("two", order=1, video=processed(clips["short"]))
    make_episode("three", order=2, video=processed(clips["sideways"]))
    make_episode("draft", order=3, days_ago=None, video=processed(clips["landscape"]))

    run_task()

    teaser = Teaser.objects.get()
    assert teaser.video.is_ready
    # One cut per published episode, in order: the first seconds, never the end.
    assert [(cut["start"], cut["end"]) for cut in teaser.cuts] == [
        (0.0, TEASER_SECONDS_EACH),
        (0.0, 2 * REVEAL_GUARD),
        (0.0, round(4 * REVEAL_GUARD, 3)),
    ]
    frames = round(3.0 * TEASER_FPS) + round(1.2 * TEASER_FPS) + round(2.4 * TEASER_FPS)
    with av.open(str(teaser_file(teaser))) as container:
        assert [stream.type for stream in container.streams] == ["video"]  # muted
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        decoded = list(container.decode(stream))
        duration = float(stream.duration * stream.time_base)
    assert (decoded[0].width, decoded[0].height) == TEASER_SIZE
    assert decoded[0].width * 16 == decoded[0].height * 9  # 9:16
    assert len(decoded) == frames
    assert duration == pytest.approx(frames / TEASER_FPS, abs=0.05)
    assert all(frame.rotation % 360 == 0 for frame in decoded[:1])
    # Made for phones: small.
    assert teaser_file(teaser).stat().st_size < 400_000
    # Each part is upright (make_clip's red band along the top) whatever the shape
    # of its source, the sideways phone clip included.
    for index in (10, 80, 120):
        image = decoded[index].to_image()
        red, green, blue = image.getpixel((TEASER_SIZE[0] // 2, 8))
        assert red > 150 and green < 110 and blue < 110, index
    with Image.open(teaser.video.poster.path) as poster:
        assert poster.format == "WEBP"
        assert poster.size == TEASER_SIZE


@pytest.mark.slow
def test_the_teaser_is_remade_when_an_episode_changes_and_not_otherwise(
    client, make_episode, processed, clips
):
    first = make_episode("one", order=0, video=processed(clips["short"]))
    second = make_episode("two", order=1, video=processed(clips["short"]))
    made = teaser_refresh()
    assert [cut["episode"] for cut in made.cuts] == [first.pk, second.pk]

    # Nothing that changes the picture: the same teaser, no new encode.
    first.title_en = "Another title"
    first.synopsis_en = "Another synopsis."
    first.save()
    run_task()
    run_task()
    assert list(Teaser.objects.all()) == [made]
    assert Video.objects.filter(teaser__isnull=False).count() == 1

    def remade() -> Teaser:
        run_task()
        teaser = Teaser.objects.first()
        assert teaser.pk != made.pk
        return teaser

    # Unpublished: hidden at once (before its successor is made), then left out.
    second.publish_at = None
    second.save()
    assert teaser_shown() is None
    assert not video_is_public(made.video)
    without = remade()
    assert [cut["episode"] for cut in without.cuts] == [first.pk]
    assert teaser_shown().pk == without.pk
    # Its files are served to anyone; the old one's no longer (it shows the episode).
    for name in ("video_url", "poster_url"):
        url = getattr(without.video, name)
        assert client.get(url).status_code == HTTPStatus.OK
        assert client.get(getattr(made.video, name)).status_code == (
            HTTPStatus.NOT_FOUND
        )

    # Published again (by the clock: the periodic check finds it), and reordered.
    second.publish_at = timezone.now() - dt.timedelta(minutes=1)
    second.save()
    first.order = 5
    first.save()
    reordered = remade()
    assert [cut["episode"] for cut in reordered.cuts] == [second.pk, first.pk]

    # Its video replaced.
    made = reordered
    second.video = processed(clips["landscape"])
    second.save()
    replaced = remade()
    assert replaced.cuts[0]["video"] == str(second.video_id)
    assert teaser_shown().pk == replaced.pk
    # Only the current teaser and the one before it are kept; older ones are deleted.
    assert Teaser.objects.count() == 2
    assert Video.objects.get(pk=without.video_id).status == Video.Status.DELETED


@pytest.mark.slow
def test_the_teaser_never_shows_the_reveal(make_episode, processed, tmp_path):
    """Clips drawn by the demo's own renderer: the creator's handle on the dark
    reveal frames of the last part, which no frame of the teaser may come from
    (here the reveal starts at 65 %, just past REVEAL_GUARD)."""
    from stories.demo import render_story_clip

    for order in range(2):
        clip = render_story_clip(
            tmp_path / f"story{order}.mp4",
            title="Block the Bullies",
            handle="@milkymichii",
            seconds=4,
            reveal=2.6,
            width=90,
            height=160,
            fps=12,
        )
        make_episode(f"story-{order}", order=order, video=processed(clip))
    teaser = teaser_refresh()

    with av.open(str(teaser_file(teaser))) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 2 * round(2.4 * TEASER_FPS)
    for index, frame in enumerate(frames):
        # The story frames are a light gradient; the reveal is near black.
        luma = ImageStat.Stat(frame.to_image().convert("L")).mean[0]
        assert luma > 90, f"frame {index} is a reveal frame ({luma:.0f})"


@pytest.mark.slow
def test_no_teaser_is_cut_while_an_episode_video_is_on_its_way(
    make_episode, processed, clips
):
    make_episode("one", order=0, video=processed(clips["short"]))
    coming = processed(clips["short"])
    make_episode("two", order=1, video=coming)
    Video.objects.filter(pk=coming.pk).update(status=Video.Status.PROCESSING)

    # Not a teaser without it, cut again minutes later: its hook asks once it is done.
    assert teaser_refresh() is None
    assert not Teaser.objects.exists()
    Video.objects.filter(pk=coming.pk).update(status=Video.Status.READY)
    assert len(teaser_refresh().cuts) == 2


@pytest.mark.slow
def test_the_teaser_captions_are_the_cut_cues_shifted_in_each_language(
    client, make_episode, processed, clips
):
    first = make_episode("one", order=0, video=processed(clips["long"]))
    second = make_episode("two", order=1, video=processed(clips["short"]))
    for language in LANGUAGES:
        Caption.objects.create(
            episode=first,
            language=language,
            text=caption_text(
                language,
                [
                    (0.1, 1.4, "Opening"),
                    (1.5, 2.9, "Made by @milkymichii"),  # names the creator
                    (2.95, 3.95, "Cut short"),  # 0.05 s left in the cut
                    (4.0, 5.0, "After the cut"),
                ],
            ),
        )
    for language in ("en", "it"):  # no fr/de captions: English stands in
        Caption.objects.create(
            episode=second,
            language=language,
            text=caption_text(language, [(0.1, 1.9, "Second")]),
        )
    teaser = teaser_refresh()
    second_at = round(TEASER_SECONDS_EACH * TEASER_FPS) / TEASER_FPS
    second_stop = round(second_at + round(1.2 * TEASER_FPS) / TEASER_FPS, 3)

    for language in LANGUAGES:
        response = client.get(
            f"/{language}/stories/teaser/{teaser.pk}/captions/{language}.vtt"
        )
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "text/vtt; charset=utf-8"
        fallback = language if language in ("en", "it") else "en"
        cues = [
            (cue.start, cue.end, cue.text)
            for cue in parse_webvtt(response.content.decode())
        ]
        assert cues == [
            (0.1, 1.4, f"Opening {language}"),
            (round(second_at + 0.1, 3), second_stop, f"Second {fallback}"),
        ]

    # Unpublish one of its episodes: its captions are not served either.
    second.publish_at = None
    second.save()
    response = client.get(f"/en/stories/teaser/{teaser.pk}/captions/en.vtt")
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_cues_naming_the_creator_or_too_short_after_the_cut_are_left_out():
    cuts = [
        Cut(episode=1, video="a", start=0.0, end=3.0, at=0.0),
        Cut(episode=2, video="b", start=0.0, end=1.5, at=3.0),
    ]
    cues = {
        1: [
            Cue(0.2, 1.5, "Hello"),
            Cue(1.5, 2.8, "This is MilkyMichii's story"),
            Cue(2.5, 5.0, "Clipped to half a second"),
        ],
        2: [Cue(0.0, 2.0, "Second one"), Cue(1.0, 1.4, "too short anyway")],
    }
    creators = {1: ("@milkymichii", "Michii"), 2: ("@recokh", "recokh")}
    assert teaser_cues(cuts, cues, creators) == [
        (0.2, 1.5, "Hello"),
        (3.0, 4.5, "Second one"),
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Made by @milkymichii", True),
        ("milkymichii made this", True),
        ("MILKYMICHII!", True),
        ("Michii says hi", True),
        ("milkymichiiverse", False),
        ("Be kind online", False),
    ],
)
def test_a_caption_names_the_creator_by_handle_or_name(text, names):
    assert names_creator(text, handle="@milkymichii", name="Michii") is names
