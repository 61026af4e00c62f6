"""A "hold" watched phrase marks an entry for careful review: a badge in the queue,
never approved in bulk, approved one at a time by a moderator."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import Entry, WatchedWord
from challenge.nudge import caption_hits
from challenge.services.moderation import decisions
from tests.challenge.factories import make_entry, make_user

S = Entry.State
CHANGELIST = "admin:challenge_entry_changelist"
HOLD_HIT = {"phrase": "kill yourself", "language": "en", "action": "hold"}
NUDGE_HIT = {"phrase": "idiot", "language": "en", "action": "nudge"}


@pytest.fixture
def moderator(db):
    return make_user(moderator=True)


def test_a_hold_phrase_in_a_caption_is_recorded_as_hold(db):
    WatchedWord.objects.update_or_create(
        phrase="go away forever", language="en", defaults={"action": "hold"}
    )
    hits = caption_hits("Everyone said go away forever to me")
    assert [hit["action"] for hit in hits] == [WatchedWord.Action.HOLD]


def test_bulk_approval_skips_entries_held_for_careful_review(moderator):
    held = make_entry(watched_hits=[HOLD_HIT])
    nudged = make_entry(watched_hits=[NUDGE_HIT])
    plain = make_entry()
    result = decisions.entries_decide(
        entry_ids=[held.pk, nudged.pk, plain.pk], decision="approve", actor=moderator
    )
    assert result.held == [held.pk]
    assert sorted(result.applied) == sorted([nudged.pk, plain.pk])
    assert Entry.objects.get(pk=held.pk).state == S.PENDING_REVIEW


def test_a_held_entry_can_be_approved_on_its_own(moderator):
    held = make_entry(watched_hits=[HOLD_HIT])
    decisions.entry_approve(entry_id=held.pk, actor=moderator)
    assert Entry.objects.get(pk=held.pk).state == S.APPROVED


def test_bulk_rejection_still_applies_to_held_entries(moderator):
    held = make_entry(watched_hits=[HOLD_HIT])
    result = decisions.entries_decide(
        entry_ids=[held.pk],
        decision="reject",
        actor=moderator,
        reason="bullying",
        seen_states={held.pk: S.PENDING_REVIEW},
    )
    assert result.applied == [held.pk]
    assert result.held == []


def test_the_queue_shows_the_badge_and_the_bulk_action_says_what_it_held(
    client, moderator
):
    held = make_entry(watched_hits=[HOLD_HIT])
    plain = make_entry()
    client.force_login(moderator)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == HTTPStatus.OK
    assert 'class="mod-badge mod-badge-hold">Careful review<' in page.content.decode()
    response = client.post(
        reverse(CHANGELIST),
        {"action": "approve_selected", "_selected_action": [held.pk, plain.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 applied, 0 skipped" in text
    assert "1 entry is marked for careful review and was not approved" in text
    assert Entry.objects.get(pk=held.pk).state == S.PENDING_REVIEW
    assert Entry.objects.get(pk=plain.pk).state == S.APPROVED
