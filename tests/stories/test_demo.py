from http import HTTPStatus

import pytest

from campaign.demo import load_campaign
from stories import demo
from stories.models import Caption, Episode, Series
from stories.webvtt import parse_webvtt
from videos.models import Video

SEED = [
    ("Block the Bullies", "@milkymichii", "unkind_duets"),
    ("Why Would You…", "@recokh", "insecurity"),
    ("I Want to Hold On To", "@kellyemmrich", "negative_comments"),
    ("Walk Away", "@amyrightmeow", "misrepresented"),
    ("Power of Words", "@rosie.gif", "microaggressions"),
    ("What We Don't See", "@king.science", "unseen"),
]


@pytest.fixture
def small_clips(monkeypatch):
    """Tiny demo clips keep the test fast; the code path is the real one."""
    monkeypatch.setitem(demo.DEMO_CLIP, "seconds", 2)
    monkeypatch.setitem(demo.DEMO_CLIP, "width", 90)
    monkeypatch.setitem(demo.DEMO_CLIP, "height", 160)
    monkeypatch.setitem(demo.DEMO_CLIP, "fps", 8)
    rendered = []
    original = demo.render_story_clip

    def counting(*args, **kwargs):
        rendered.append(kwargs["title"])
        return original(*args, **kwargs)

    monkeypatch.setattr(demo, "render_story_clip", counting)
    return rendered


def test_demo_loads_the_six_episodes_through_the_pipeline_once(
    client, db, small_clips, django_capture_on_commit_callbacks
):
    load_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load_stories()
    assert len(small_clips) == 6
    series = Series.objects.get()
    assert series.published_by == "@TikTokTips"
    episodes = list(Episode.objects.order_by("order"))
    assert [(e.title_en, e.creator_handle, e.situation) for e in episodes] == SEED
    for episode in episodes:
        assert episode.is_published()
        assert episode.video.status == Video.Status.READY, episode.video.failure_detail
        assert episode.video.height > episode.video.width  # portrait
        assert all(
            getattr(episode, f"synopsis_{code}") for code in ("en", "it", "fr", "de")
        )
        assert all(
            getattr(episode, f"tips_{code}") for code in ("en", "it", "fr", "de")
        )
        assert episode.creator_avatar
        languages = sorted(episode.captions.values_list("language", flat=True))
        assert languages == ["de", "en", "fr", "it"]
        for caption in episode.captions.all():
            cues = parse_webvtt(caption.text)
            assert cues[-1].end <= episode.video.duration + 0.1
            # The credit, split into screens, closes the captions.
            assert episode.creator_handle in " ".join(c.text for c in cues[-2:])
    dates = [e.publish_at for e in episodes]
    assert dates == sorted(dates) and len(set(dates)) == 6

    # Running it again changes nothing and renders nothing.
    videos = {e.pk: e.video_id for e in episodes}
    with django_capture_on_commit_callbacks(execute=True):
        demo.load_stories()
    assert len(small_clips) == 6
    assert Episode.objects.count() == 6 and Caption.objects.count() == 24
    assert Video.objects.filter(episode__isnull=False).count() == 6
    assert {e.pk: e.video_id for e in Episode.objects.all()} == videos

    # The list names no creator: each episode reveals its own at the end.
    page = client.get("/it/stories/")
    assert page.status_code == HTTPStatus.OK
    for _title, handle, _situation in SEED:
        assert handle.lstrip("@") not in page.content.decode()


def test_demo_renders_again_only_a_failed_video(
    db, small_clips, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demo.load_stories()
    episode = Episode.objects.get(slug="walk-away")
    episode.video.status = Video.Status.FAILED
    episode.video.save()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load_stories()
    assert small_clips[6:] == ["Walk Away"]
    episode.refresh_from_db()
    assert episode.video.status == Video.Status.READY


def test_demo_clip_has_sound_and_a_reveal_frame(tmp_path):
    import av

    path = demo.render_story_clip(
        tmp_path / "clip.mp4",
        title="Walk Away",
        handle="@amyrightmeow",
        seconds=2,
        width=90,
        height=160,
        fps=8,
    )
    with av.open(str(path)) as container:
        kinds = sorted(stream.type for stream in container.streams)
        frames = [frame.to_image() for frame in container.decode(video=0)]
    assert kinds == ["audio", "video"]
    assert len(frames) == 16
    # The last frame is the dark reveal, the first the bright gradient.
    assert (
        sum(frames[-1].convert("L").get_flattened_data())
        < sum(frames[0].convert("L").get_flattened_data()) / 2
    )


def test_demo_frames_draw_the_handle_on_the_reveal_only():
    """The poster is picked from the frames before the reveal: none of them may
    depend on whose episode it is."""
    size = (180, 320)
    base = demo._gradient(size, (255, 183, 197), (124, 58, 237))

    def frame(t, handle):
        return demo._story_frame(
            base, t, 1.5, title="Walk Away", handle=handle, ink=(255,) * 3, size=size
        ).tobytes()

    for t in (0, 0.5, 1.0, 1.3, 1.45):
        assert frame(t, "@amyrightmeow") == frame(t, "@someone.else"), t
    assert frame(1.9, "@amyrightmeow") != frame(1.9, "@someone.else")
