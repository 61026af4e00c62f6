"""The factories make entries the way the app does: through the state machine, with
an unbroken EntryEvent history from creation to the state asked for."""

import datetime as dt

import pytest
from django.utils import timezone

from challenge.models import Entry, EntryEvent
from challenge.states import INITIAL_STATES, can_transition
from tests.challenge.factories import make_entries, make_entry, make_user
from videos.models import Video

pytestmark = pytest.mark.django_db
S = Entry.State


@pytest.mark.parametrize("state", S.values)
def test_every_state_is_reached_through_allowed_transitions(state):
    entry = make_entry(state=state)
    steps = list(entry.events.order_by("id").values_list("from_state", "to_state"))
    assert steps[0][0] == "" and steps[0][1] in INITIAL_STATES
    for (_, reached), (came_from, went_to) in zip(steps, steps[1:], strict=False):
        assert came_from == reached
        assert can_transition(came_from, went_to), (came_from, went_to)
    assert steps[-1][1] == entry.state == state


@pytest.mark.parametrize(
    ("state", "path"),
    [
        (S.DRAFT, [S.DRAFT]),
        (S.PENDING_REVIEW, [S.UPLOADED, S.PROCESSING, S.PENDING_REVIEW]),
        (S.HIDDEN, [S.UPLOADED, S.PROCESSING, S.PENDING_REVIEW, S.APPROVED, S.HIDDEN]),
        (S.FAILED, [S.UPLOADED, S.PROCESSING, S.FAILED]),
    ],
)
def test_the_path_taken_is_the_one_the_app_takes(state, path):
    entry = make_entry(state=state)
    assert list(entry.events.order_by("id").values_list("to_state", flat=True)) == path


def test_the_history_happened_as_long_ago_as_the_entry_has_waited():
    waited = dt.timedelta(days=2)
    before = timezone.now()
    entry = make_entry(state=S.APPROVED, waited=waited)
    assert {event.created_at for event in entry.events.all()} == {
        entry.state_changed_at
    }
    assert entry.submitted_at == entry.state_changed_at == entry.approved_at
    assert before - waited <= entry.state_changed_at <= timezone.now() - waited


def test_decisions_record_the_moderator_asked_for_and_withdrawals_the_owner():
    moderator = make_user(moderator=True)
    rejected = make_entry(state=S.REJECTED, decided_by=moderator)
    assert rejected.events.get(to_state=S.REJECTED).actor == moderator
    withdrawn = make_entry(state=S.WITHDRAWN)
    assert (
        withdrawn.events.get(to_state=S.WITHDRAWN).actor == withdrawn.participant.user
    )
    # Without a moderator, no decision counts on the dashboard.
    assert make_entry(state=S.APPROVED).events.get(to_state=S.APPROVED).actor is None


def test_a_failed_entry_has_a_failed_video():
    entry = make_entry(state=S.FAILED)
    assert entry.video.status == Video.Status.FAILED
    assert entry.events.get(to_state=S.FAILED).reason == entry.video.failure_code


def test_many_entries_each_have_their_own_history_a_minute_apart():
    entries = make_entries(3, state=S.APPROVED)
    assert EntryEvent.objects.filter(to_state=S.APPROVED).count() == 3
    assert all(entry.events.count() == 4 for entry in entries)
    times = [entry.approved_at for entry in entries]
    assert times == sorted(times)
    assert times[1] - times[0] == dt.timedelta(minutes=1)
