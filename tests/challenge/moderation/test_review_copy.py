"""A review copy first (docs/decisions.md): a participant's upload waits for review
with the rungs below the top, the poster and an MP4 remuxed from the 480p rung; the
top rung and its MP4 are made when the entry is approved, and join its playlist.

Real clips through the real pipeline (PyAV, the bounded child), tasks run in-process
as they commit; tests/challenge/moderation/test_review_copy_worker.py has the races
with a real worker.
"""

import datetime as dt
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files import File
from django.utils import timezone

from campaign.models import Campaign
from challenge.models import Entry
from challenge.services import submission
from challenge.services.moderation import decisions, undo
from tests.challenge.factories import make_participant, make_user
from videos.clips import make_clip
from videos.models import Video, private_storage
from videos.pipeline import read_master_playlist
from videos.services import video_create, video_sweep, video_top_make

S = Entry.State


@pytest.fixture(scope="module")
def hd_clip(tmp_path_factory) -> Path:
    """720p: a ladder of 240p, 480p and the 720p top."""
    folder = tmp_path_factory.mktemp("review-copy")
    return make_clip(folder / "hd.mp4", seconds=1, width=1280, height=720, fps=15)


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.VIDEO_X264_PRESET = "ultrafast"
    settings.VIDEO_REVIEW_COPY_FIRST = True  # the default; the env may turn it off


def _upload(clip: Path, capture) -> Entry:
    Campaign.objects.create(
        name="#CreateKindness",
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=30),
    )
    with capture(execute=True), clip.open("rb") as handle:
        result = submission.entry_upload(
            participant=make_participant(),
            file=File(handle, name="hd.mp4"),
            caption="Be kind",
            prompt="moment",
            language="en",
            submission_token=None,
            guardian_email="",
        )
    return Entry.objects.select_related("video").get(pk=result.entry.pk)


def _stored(video_id) -> set[str]:
    folder = Path(private_storage().path(f"videos/{video_id}"))
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
    }


def _rungs_served(client, video_id) -> list[str]:
    response = client.get(f"/v/{video_id}/hls/master.m3u8")
    if response.status_code != HTTPStatus.OK:
        return []
    folder = Path("/tmp") / f"master-{video_id}.m3u8"
    folder.write_bytes(response.content)
    try:
        return [uri.split("/")[0] for _attributes, uri in read_master_playlist(folder)]
    finally:
        folder.unlink()


def _mp4_size(client, video_id) -> tuple[int, int]:
    import io

    import av

    response = client.get(f"/v/{video_id}/video.mp4")
    assert response.status_code == HTTPStatus.OK
    body = b"".join(response.streaming_content)
    with av.open(io.BytesIO(body)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


@pytest.mark.slow
def test_an_upload_waits_for_review_with_the_lower_rungs_and_the_poster_only(
    db, hd_clip, django_capture_on_commit_callbacks, client
):
    entry = _upload(hd_clip, django_capture_on_commit_callbacks)
    video = entry.video

    assert entry.state == S.PENDING_REVIEW
    assert video.status == Video.Status.READY
    assert video.top_rung == Video.TopRung.WAITING
    assert [rung["name"] for rung in video.ladder] == ["240p", "480p"]
    assert video.source, "the original stays for the top rung"
    files = _stored(video.pk)
    assert {"poster.webp", "review.mp4", "hls/master.m3u8", "source"} <= files
    assert not any(name.startswith("hls/720p") for name in files)
    assert "video.mp4" not in files

    client.force_login(make_user(moderator=True))
    assert _rungs_served(client, video.pk) == ["240p", "480p"]
    # Moderators review the 480p rung: the MP4 is its packets, remuxed.
    assert _mp4_size(client, video.pk) == (852, 480)
    assert client.get(f"/v/{video.pk}/hls/720p/index.m3u8").status_code == 404


@pytest.mark.slow
def test_approval_publishes_at_once_then_the_top_rung_joins_the_playlist(
    db, hd_clip, django_capture_on_commit_callbacks, client
):
    entry = _upload(hd_clip, django_capture_on_commit_callbacks)
    moderator = make_user(moderator=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    video = Video.objects.get(pk=entry.video_id)
    assert video.top_rung == Video.TopRung.QUEUED

    # Public before the top rung exists, with the rungs it has.
    assert _rungs_served(client, video.pk) == ["240p", "480p"]
    assert _mp4_size(client, video.pk) == (852, 480)

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:  # the top rung's task, the notices, the cache
            callback()
    video.refresh_from_db()
    assert video.top_rung == Video.TopRung.WHOLE, video.failure_detail
    assert [rung["name"] for rung in video.ladder] == ["240p", "480p", "720p"]
    assert (video.width, video.height) == (1280, 720)
    assert not video.source, "the original goes once the top rung exists"
    files = _stored(video.pk)
    assert {"video.mp4", "hls/whole.m3u8", "hls/720p/index.m3u8"} <= files
    assert not {"review.mp4", "hls/master.m3u8", "source"} & files
    assert _rungs_served(client, video.pk) == ["240p", "480p", "720p"]
    assert client.get(f"/v/{video.pk}/hls/720p/init.mp4").status_code == 200
    assert _mp4_size(client, video.pk) == (1280, 720)
    # A second delivery of the task changes nothing.
    assert video_top_make(video_id=video.pk).top_rung == Video.TopRung.WHOLE
    assert _stored(video.pk) == files


@pytest.mark.slow
def test_a_rejected_entry_never_pays_for_the_top_rung(
    db, hd_clip, django_capture_on_commit_callbacks, settings
):
    settings.MODERATION_UNDO_SECONDS = 0
    entry = _upload(hd_clip, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_reject(
            entry_id=entry.pk, actor=make_user(moderator=True), reason="off_theme"
        )
    video = Video.objects.get(pk=entry.video_id)
    assert video.top_rung == Video.TopRung.DROPPED
    assert not video.source
    files = _stored(video.pk)
    assert "source" not in files
    assert not any(name.startswith("hls/720p") for name in files)
    assert [rung["name"] for rung in video.ladder] == ["240p", "480p"]


@pytest.mark.slow
def test_an_undone_rejection_keeps_the_original_for_a_later_approval(
    db, hd_clip, django_capture_on_commit_callbacks
):
    entry = _upload(hd_clip, django_capture_on_commit_callbacks)
    moderator = make_user(moderator=True)
    with django_capture_on_commit_callbacks(execute=False) as later:
        decisions.entry_reject(entry_id=entry.pk, actor=moderator, reason="off_theme")
    with django_capture_on_commit_callbacks(execute=True):
        undo.entry_decision_undo(actor=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in later:  # the recheck, once the undo window is over
            callback()
    video = Video.objects.get(pk=entry.video_id)
    assert video.top_rung == Video.TopRung.WAITING
    assert video.source

    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    video.refresh_from_db()
    assert video.top_rung == Video.TopRung.WHOLE
    assert [rung["name"] for rung in video.ladder] == ["240p", "480p", "720p"]


@pytest.mark.slow
def test_an_approved_then_hidden_entry_gets_its_top_rung_and_stays_hidden(
    db, hd_clip, django_capture_on_commit_callbacks, client
):
    entry = _upload(hd_clip, django_capture_on_commit_callbacks)
    moderator = make_user(moderator=True)
    with django_capture_on_commit_callbacks(execute=False) as top_rung:
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_hide(entry_id=entry.pk, actor=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in top_rung:
            callback()
    video = Video.objects.get(pk=entry.video_id)
    assert video.top_rung == Video.TopRung.WHOLE
    assert client.get(f"/v/{video.pk}/hls/master.m3u8").status_code == 404
    assert client.get(f"/v/{video.pk}/hls/720p/index.m3u8").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_restore(entry_id=entry.pk, actor=moderator)
    assert _rungs_served(client, video.pk) == ["240p", "480p", "720p"]


@pytest.mark.slow
def test_a_top_rung_that_cannot_be_made_leaves_the_entry_public_with_its_rungs(
    db, hd_clip, django_capture_on_commit_callbacks, client
):
    entry = _upload(hd_clip, django_capture_on_commit_callbacks)
    video = entry.video
    # The kept original, damaged on disk: the top rung's probe refuses it.
    Path(video.source.path).write_bytes(b"\x00" * 4096)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_approve(entry_id=entry.pk, actor=make_user(moderator=True))
    video.refresh_from_db()
    assert video.top_rung == Video.TopRung.FAILED
    assert video.failure_detail.startswith("top rung:")
    assert video.status == Video.Status.READY
    assert not video.source
    assert _rungs_served(client, video.pk) == ["240p", "480p"]
    assert _mp4_size(client, video.pk) == (852, 480)
    # Nothing for the sweep to send again.
    later = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=False):
        assert video_sweep(now=later)["top_requeued"] == []


@pytest.mark.slow
def test_an_episode_gets_the_whole_ladder_at_once(
    db, hd_clip, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from stories.models import Episode, Series

    series = Series.objects.create(slug="s", title_en="S", published_by="@team")
    with (
        django_capture_on_commit_callbacks(execute=True),
        hd_clip.open("rb") as handle,
        transaction.atomic(),
    ):
        video = video_create(file=File(handle, name="ep.mp4"), original_name="ep.mp4")
        Episode.objects.create(series=series, slug="ep", title_en="Ep", video=video)
    video.refresh_from_db()
    assert video.top_rung == Video.TopRung.WHOLE
    assert [rung["name"] for rung in video.ladder] == ["240p", "480p", "720p"]
    assert video.output.name.endswith("/video.mp4")
    assert video.source, "an episode's master is kept"


@pytest.mark.slow
def test_without_the_setting_an_upload_is_made_whole_at_once(
    db, hd_clip, django_capture_on_commit_callbacks, settings
):
    """VIDEO_REVIEW_COPY_FIRST off: the whole ladder and the MP4 before review, as for
    episodes; nothing waits for a decision."""
    settings.VIDEO_REVIEW_COPY_FIRST = False
    entry = _upload(hd_clip, django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    video = Video.objects.get(pk=entry.video_id)
    assert entry.state == S.PENDING_REVIEW
    assert video.top_rung == Video.TopRung.WHOLE
    assert [rung["name"] for rung in video.ladder][-1] == "720p"
