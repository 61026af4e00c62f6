"""The words of the upload flow: a caption too long by how much, a form summary that
says "missing" only when something is, thanks that match the entry's card, and an
estimate while a video is processed."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from challenge.models import Entry, Nudge
from challenge.selectors.participants import entry_for_participant, entry_status
from tests.challenge.factories import entry_post_data, make_entry
from videos.models import Video

S = Entry.State
SUBMIT = "/en/challenge/submit/"
MB = 2**20


@pytest.mark.parametrize(
    "over, words", [(1, "1 character too many"), (50, "50 characters too many")]
)
def test_a_too_long_caption_says_how_many_characters_too_many(
    participant_client, campaign, upload, over, words
):
    caption = "k" * (300 + over)
    response = participant_client.post(
        SUBMIT, entry_post_data(upload(), caption=caption)
    )
    page = response.content.decode()
    assert words in page
    assert "at most 300 characters" in page
    assert "it has" not in page


def _post_json(client, data):
    return client.post(SUBMIT, data, HTTP_ACCEPT="application/json")


def test_the_summary_does_not_say_missing_when_nothing_is(
    participant_client, campaign, upload
):
    response = _post_json(
        participant_client, entry_post_data(upload(), caption="k" * 301)
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert "missing" not in body["message"]
    assert body["message"] == "Please check the form: something needs changing."
    assert body["errors"]["caption"] == [
        "1 character too many: please keep it to at most 300 characters."
    ]


@pytest.mark.parametrize(
    "overrides",
    [{"caption": "  "}, {"video": None}, {"accept_rules": None}],
    ids=["caption", "video", "rules"],
)
def test_the_summary_says_missing_when_an_answer_is(
    participant_client, campaign, upload, overrides
):
    data = entry_post_data(upload(), **overrides)
    response = _post_json(participant_client, data)
    assert response.json()["message"] == "Please check the form: something is missing."


def _thanks(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def nudged(participant_client, campaign, upload):
    participant_client.post(
        SUBMIT, entry_post_data(upload(), caption="you are such an idiot")
    )
    return Nudge.objects.get()


def test_post_anyway_after_processing_thanks_as_the_card_says(
    participant_client, nudged
):
    # The held video was processed while "think before you post" waited.
    Video.objects.filter(pk=nudged.video_id).update(status=Video.Status.READY)
    url = reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    response = participant_client.post(url, {"choice": "post_anyway"}, follow=True)
    assert Entry.objects.get().state == S.PENDING_REVIEW
    page = response.content.decode()
    assert "being processed" not in page
    assert "Thank you! Your video is waiting for review by our team." in page
    assert "Waiting for review by our team" in page


def test_post_anyway_before_processing_still_says_being_processed(
    participant_client, nudged
):
    url = reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    response = participant_client.post(url, {"choice": "post_anyway"})
    assert Entry.objects.get().state == S.PROCESSING
    assert _thanks(response) == [
        "Thank you! Your video is being processed, then our team will review it."
    ]


def test_post_anyway_with_a_video_that_failed_does_not_say_being_processed(
    participant_client, nudged
):
    Video.objects.filter(pk=nudged.video_id).update(
        status=Video.Status.FAILED, failure_code="not_video"
    )
    url = reverse("challenge:nudge", kwargs={"pk": nudged.pk})
    response = participant_client.post(url, {"choice": "post_anyway"})
    assert Entry.objects.get().state == S.FAILED
    assert "being processed" not in " ".join(_thanks(response))


# The estimate while a video is processed -------------------------------------------


def _recent_pace(count=3, seconds=60, size=10 * MB):
    """`count` videos the pipeline finished lately, `seconds` each for `size`."""
    done = timezone.now() - dt.timedelta(hours=1)
    for _ in range(count):
        Video.objects.create(
            status=Video.Status.READY,
            source_size=size,
            processing_started_at=done - dt.timedelta(seconds=seconds),
            processed_at=done,
        )


def _processing_entry(participant, *, status, size=20 * MB, started_ago=None):
    entry = make_entry(participant=participant, state=S.PROCESSING)
    Video.objects.filter(pk=entry.video_id).update(
        status=status,
        source_size=size,
        created_at=timezone.now(),
        processing_started_at=(
            timezone.now() - started_ago if started_ago is not None else None
        ),
    )
    return entry_status(entry_for_participant(participant, entry.pk))


def test_a_waiting_video_shows_an_estimate_from_the_recent_pace(participant):
    _recent_pace()  # 6 s per MB
    status = _processing_entry(participant, status=Video.Status.PENDING)
    assert status["label"] == "Processing your video…"
    assert status["reason"] == "Your video should be ready in about 2 minutes."


def test_the_estimate_counts_the_videos_ahead(participant):
    _recent_pace()
    Video.objects.create(status=Video.Status.PENDING, source_size=MB)
    status = _processing_entry(participant, status=Video.Status.PENDING)
    assert status["reason"].startswith(
        "Your video should be ready in about 3 minutes. 1 video is ahead of yours."
    )


def test_the_estimate_counts_down_while_it_is_processed(participant):
    _recent_pace()
    status = _processing_entry(
        participant,
        status=Video.Status.PROCESSING,
        started_ago=dt.timedelta(seconds=90),
    )
    assert status["reason"] == "Your video should be ready in about a minute."


def test_an_overdue_video_is_said_to_take_longer_than_usual(participant):
    _recent_pace()
    status = _processing_entry(
        participant, status=Video.Status.PROCESSING, started_ago=dt.timedelta(minutes=5)
    )
    assert status["reason"].startswith("This is taking longer than usual.")


def test_no_estimate_without_a_recent_pace(participant):
    _recent_pace(count=2)
    status = _processing_entry(participant, status=Video.Status.PENDING)
    assert status["reason"] == ""
