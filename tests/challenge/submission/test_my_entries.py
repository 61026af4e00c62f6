"""My entries: what each entry's line says, read in a number of queries that does not
grow with the number of entries."""

import datetime as dt
from http import HTTPStatus

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from challenge.models import Entry, RejectReason
from tests.challenge.factories import make_entry
from videos.models import Video

S = Entry.State
STATES = (S.REJECTED, S.HIDDEN, S.PROCESSING, S.FAILED, S.APPROVED)


def _waiting(entry: Entry) -> Entry:
    """An entry whose video still waits for a worker."""
    Video.objects.filter(pk=entry.video_id).update(status=Video.Status.PENDING)
    return entry


def _make(participant, count: int) -> None:
    for index in range(count):
        entry = make_entry(state=STATES[index % len(STATES)], participant=participant)
        if entry.state == S.PROCESSING:
            _waiting(entry)


def _queries_for_my_entries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("challenge:my_entries"))
    assert response.status_code == HTTPStatus.OK
    return len(queries)


def test_my_entries_costs_the_same_queries_for_one_entry_of_each_kind_as_for_eleven(
    participant_client, participant
):
    _make(participant, len(STATES))
    _queries_for_my_entries(participant_client)  # the first request fills caches
    few = _queries_for_my_entries(participant_client)
    _make(participant, 11)
    many = _queries_for_my_entries(participant_client)
    assert Entry.objects.filter(participant=participant).count() == len(STATES) + 11
    assert many == few


def test_my_entries_says_the_reason_of_the_latest_decision_and_the_queue_ahead(
    participant_client, participant
):
    make_entry(state=S.PROCESSING)  # someone else's video, waiting since earlier
    Video.objects.update(status=Video.Status.PENDING)
    make_entry(state=S.REJECTED, participant=participant)
    _waiting(
        make_entry(state=S.PROCESSING, participant=participant, waited=dt.timedelta(0))
    )

    page = participant_client.get(reverse("challenge:my_entries")).content.decode()

    assert str(RejectReason.SPAM.label) in page
    assert "1 video is ahead of yours" in page
