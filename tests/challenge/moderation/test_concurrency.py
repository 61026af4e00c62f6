"""Races on PostgreSQL: two moderators deciding one entry, many hearts at once.

Each thread has its own database connection; a barrier makes them start together.
"""

import pytest
from django.db import connection

from challenge.models import Entry, EntryEvent, Heart, ModerationNotice
from challenge.services import gallery as gallery_services
from challenge.services.moderation import decisions, reports
from challenge.states import TransitionNotAllowed
from tests.challenge.factories import make_entry, make_user
from tests.conftest import race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
S = Entry.State


@pytest.mark.parametrize(
    ("first", "second"),
    [("approve", "approve"), ("approve", "reject"), ("reject", "reject")],
)
def test_two_moderators_deciding_one_entry_give_one_decision(
    postgres_db, transactional_db, first, second
):
    assert connection.vendor == "postgresql"
    entry = make_entry()
    moderators = [make_user(moderator=True), make_user(moderator=True)]

    def decide(kind, actor):
        if kind == "approve":
            return decisions.entry_approve(entry_id=entry.pk, actor=actor)
        # As the admin does: reject only if still in the state the moderator saw.
        return decisions.entry_reject(
            entry_id=entry.pk,
            actor=actor,
            reason="spam",
            expected_from={S.PENDING_REVIEW},
        )

    results = race(
        [
            lambda: decide(first, moderators[0]),
            lambda: decide(second, moderators[1]),
        ]
    )
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    loser = next(value for kind, value in results if kind == "error")
    assert isinstance(loser, TransitionNotAllowed)
    decided = EntryEvent.objects.filter(
        entry=entry, from_state=S.PENDING_REVIEW
    ).exclude(to_state=S.PENDING_REVIEW)
    assert decided.count() == 1
    assert ModerationNotice.objects.count() == 1
    entry.refresh_from_db()
    assert entry.state == decided.get().to_state


def test_bulk_and_single_decisions_racing_never_double_decide(
    postgres_db, transactional_db
):
    entries = [make_entry() for _ in range(20)]
    ids = [e.pk for e in entries]
    moderators = [make_user(moderator=True), make_user(moderator=True)]
    results = race(
        [
            lambda: decisions.entries_decide(
                entry_ids=ids, decision="approve", actor=moderators[0]
            ),
            lambda: decisions.entries_decide(
                entry_ids=list(reversed(ids)),
                decision="reject",
                actor=moderators[1],
                reason="spam",
                seen_states=dict.fromkeys(ids, S.PENDING_REVIEW),
            ),
        ]
    )
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    first, second = (value for _, value in results)
    assert sorted(first.applied + second.applied) == sorted(ids)
    assert not set(first.applied) & set(second.applied)
    assert (
        EntryEvent.objects.filter(to_state__in=[S.APPROVED, S.REJECTED]).count() == 20
    )


def test_hearts_from_many_people_at_once_keep_the_count_right(
    postgres_db, transactional_db
):
    entry = make_entry(state=S.APPROVED)
    users = [make_user() for _ in range(8)]
    results = race(
        [
            (
                lambda user=user: gallery_services.heart_toggle(
                    entry_id=entry.pk, user=user
                )
            )
            for user in users
        ]
    )
    assert all(kind == "ok" for kind, _ in results), results
    entry.refresh_from_db()
    assert entry.heart_count == Heart.objects.filter(entry=entry).count() == 8


def test_one_person_double_clicking_keeps_the_count_right(
    postgres_db, transactional_db
):
    entry = make_entry(state=S.APPROVED)
    user = make_user()
    for _ in range(5):
        results = race(
            [
                lambda: gallery_services.heart_toggle(entry_id=entry.pk, user=user),
                lambda: gallery_services.heart_toggle(entry_id=entry.pk, user=user),
            ]
        )
        assert all(kind == "ok" for kind, _ in results), results
        entry.refresh_from_db()
        assert entry.heart_count == Heart.objects.filter(entry=entry).count()
        assert entry.heart_count in (0, 1)


def test_anonymous_reports_at_once_are_all_counted_and_never_hide(
    postgres_db, transactional_db, settings
):
    settings.MODERATION_HIDE_AT_REPORTS = 3
    entry = make_entry(state=S.APPROVED)
    results = race(
        [
            (
                lambda key=key: reports.report_create(
                    entry_id=entry.pk, reporter_key=key, reason="spam"
                )
            )
            for key in ("a", "b", "c", "d")
        ]
    )
    # Verified accounts racing to hide: tests/security/test_reports_and_limits.py.
    kinds = sorted(kind for kind, _ in results)
    assert kinds.count("ok") == 4, results
    entry.refresh_from_db()
    assert (entry.state, entry.report_count) == (S.APPROVED, 4)
    assert not EntryEvent.objects.filter(entry=entry, to_state=S.HIDDEN).exists()
