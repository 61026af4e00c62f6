from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from stories.models import Caption, Episode

GOOD_VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello\n"
BAD_VTT = b"WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nHello\n"


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.org", "x")
    client.force_login(user)
    return client


def episode_form(series, **extra):
    data = {
        "series": series.pk,
        "title_en": "Walk Away",
        "title_it": "Walk Away",
        "slug": "walk-away",
        "order": 4,
        "situation": "misrepresented",
        "creator_handle": "@amyrightmeow",
        "creator_name": "amyrightmeow",
        "synopsis_en": "About being misrepresented.",
        "tips_en": "Walk away.",
        "publish_at_0": "2020-01-02",
        "publish_at_1": "10:00:00",
        "captions-TOTAL_FORMS": "1",
        "captions-INITIAL_FORMS": "0",
        "captions-MIN_NUM_FORMS": "0",
        "captions-MAX_NUM_FORMS": "1000",
        "captions-0-language": "en",
        "captions-0-text": "",
    }
    data.update(extra)
    return data


def test_staff_upload_a_master_video_and_it_becomes_ready(
    admin_client, series, tiny_clip, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("master.mp4", tiny_clip.read_bytes(), "video/mp4")
    vtt = SimpleUploadedFile("en.vtt", GOOD_VTT, "text/vtt")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/en/admin/stories/episode/add/",
            episode_form(series, master_video=upload, **{"captions-0-upload": vtt}),
        )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[-3000:]
    episode = Episode.objects.get(slug="walk-away")
    episode.video.refresh_from_db()
    assert episode.video.status == "ready"
    assert episode.video.original_name == "master.mp4"
    assert episode.captions.get().text == GOOD_VTT.decode()
    # The change page shows the state, the poster and a link to the output.
    page = admin_client.get(f"/en/admin/stories/episode/{episode.pk}/change/")
    html = page.content.decode()
    assert "video-status-ready" in html
    assert f"/v/{episode.video.pk}/poster.webp" in html
    assert f"/v/{episode.video.pk}/video.mp4" in html
    # The public page plays it.
    public = admin_client.get("/en/stories/walk-away/").content.decode()
    assert f"/v/{episode.video.pk}/video.mp4" in public


def test_a_broken_master_video_shows_why_in_admin(
    admin_client, series, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("master.mp4", b"not a video at all" * 100, "video/mp4")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/en/admin/stories/episode/add/",
            episode_form(series, master_video=upload, **{"captions-TOTAL_FORMS": "0"}),
        )
    episode = Episode.objects.get(slug="walk-away")
    episode.video.refresh_from_db()
    assert episode.video.status == "failed"
    html = admin_client.get(
        f"/en/admin/stories/episode/{episode.pk}/change/"
    ).content.decode()
    assert "video-status-failed" in html
    assert episode.video.failure_reason
    assert str(episode.video.failure_reason) in html.replace("&#x27;", "'")


def test_a_bad_caption_file_is_refused_with_its_line_and_nothing_is_lost(
    admin_client, series
):
    vtt = SimpleUploadedFile("en.vtt", BAD_VTT, "text/vtt")
    response = admin_client.post(
        "/en/admin/stories/episode/add/",
        episode_form(series, **{"captions-0-upload": vtt}),
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Line 3:" in html and "ends before it starts" in html
    # The rest of the form is still there to fix and resubmit.
    assert 'value="Walk Away"' in html
    assert not Episode.objects.exists() and not Caption.objects.exists()


def test_caption_needs_a_file_or_text(admin_client, series):
    response = admin_client.post("/en/admin/stories/episode/add/", episode_form(series))
    assert response.status_code == HTTPStatus.OK
    assert "Upload a .vtt file or paste its content." in response.content.decode()


def test_pasted_caption_text_is_validated_too(admin_client, series):
    response = admin_client.post(
        "/en/admin/stories/episode/add/",
        episode_form(series, **{"captions-0-text": "WEBVTT\n\n00:00:01.000 -> x\nHi"}),
    )
    assert "Line 3:" in response.content.decode()
    assert not Episode.objects.exists()


def test_admin_lists_episodes_with_their_video_state(admin_client, make_episode):
    make_episode()
    html = admin_client.get("/en/admin/stories/episode/").content.decode()
    assert "block-the-bullies EN" in html


def test_a_new_master_video_replaces_the_old_one_and_its_files(
    admin_client,
    make_episode,
    ready_video,
    tiny_clip,
    django_capture_on_commit_callbacks,
):
    from pathlib import Path

    from videos.models import Video

    episode = make_episode("walk-away", video=ready_video)
    old_files = [Path(ready_video.output.path), Path(ready_video.source.path)]
    assert all(path.exists() for path in old_files)
    data = episode_form(episode.series, **{"captions-TOTAL_FORMS": "0"})
    data["master_video"] = SimpleUploadedFile(
        "second.mp4", tiny_clip.read_bytes(), "video/mp4"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/en/admin/stories/episode/{episode.pk}/change/", data
        )
    assert response.status_code == HTTPStatus.FOUND
    episode.refresh_from_db()
    assert episode.video.original_name == "second.mp4"
    assert episode.video.status == "ready"
    assert not Video.objects.filter(pk=ready_video.pk).exists()
    assert not any(path.exists() for path in old_files)
