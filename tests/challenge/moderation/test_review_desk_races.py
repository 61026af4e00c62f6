"""Races of the review desk on PostgreSQL: moderators asking for an entry at the same
moment, a claim and a decision crossing, undo racing a new decision.

Each thread has its own database connection; a barrier makes them start together.
"""

import pytest
from django.db import connection

from challenge.models import Entry, EntryEvent
from challenge.services import claims
from challenge.services.moderation import decisions, undo
from tests.challenge.factories import make_entry, make_user
from tests.conftest import race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
S = Entry.State


def test_two_moderators_one_entry_one_wins_the_other_gets_the_next(
    postgres_db, transactional_db
):
    assert connection.vendor == "postgresql"
    for _round in range(5):
        Entry.objects.filter(state=S.PENDING_REVIEW).update(state=S.APPROVED)
        only = make_entry()
        following = make_entry()
        Entry.objects.filter(pk=following.pk).update(
            state_changed_at=only.state_changed_at.replace(year=2099)
        )
        moderators = [make_user(moderator=True), make_user(moderator=True)]
        results = race(
            [lambda m=m: claims.entry_claim_next(moderator=m) for m in moderators]
        )
        assert [kind for kind, _ in results] == ["ok", "ok"], results
        got = sorted(value.pk for _, value in results)
        assert got == sorted([only.pk, following.pk])


def test_ten_moderators_at_once_never_share_an_entry(postgres_db, transactional_db):
    entries = [make_entry() for _ in range(10)]
    moderators = [make_user(moderator=True) for _ in range(10)]
    results = race(
        [lambda m=m: claims.entry_claim_next(moderator=m) for m in moderators]
    )
    assert all(kind == "ok" for kind, _ in results), results
    claimed = [value.pk for _, value in results]
    assert sorted(claimed) == sorted(e.pk for e in entries)


def test_a_claim_and_a_decision_crossing_never_both_win(postgres_db, transactional_db):
    for _round in range(5):
        entry = make_entry()
        holder, decider = make_user(moderator=True), make_user(moderator=True)
        results = race(
            [
                lambda e=entry, h=holder: claims.entry_claim(
                    entry_id=e.pk, moderator=h
                ),
                lambda e=entry, d=decider: decisions.entry_approve(
                    entry_id=e.pk, actor=d
                ),
            ]
        )
        (claim_kind, claimed), (decide_kind, decided) = results
        assert claim_kind == "ok", results
        entry.refresh_from_db()
        if decide_kind == "ok":
            # Decided first: the claim found a decided entry and took nothing.
            assert claimed is False
            assert entry.state == S.APPROVED and entry.claimed_by is None
        else:
            assert isinstance(decided, claims.EntryClaimed), results
            assert claimed is True
            assert entry.state == S.PENDING_REVIEW
            assert entry.claimed_by == holder


def test_undo_racing_another_decision_gives_one_of_them(postgres_db, transactional_db):
    entry = make_entry(state=S.APPROVED)
    me, other = make_user(moderator=True), make_user(moderator=True)
    decisions.entry_hide(entry_id=entry.pk, actor=me)
    results = race(
        [
            lambda: undo.entry_decision_undo(actor=me),
            lambda: decisions.entry_reject(
                entry_id=entry.pk,
                actor=other,
                reason="spam",
                expected_from={S.HIDDEN},
            ),
        ]
    )
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"], results
    after_hide = EntryEvent.objects.filter(entry=entry).order_by("id")
    assert after_hide.count() == 6  # created, 2 to review, approve, hide, one more
