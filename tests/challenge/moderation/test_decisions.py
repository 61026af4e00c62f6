"""Moderation decisions through the services: approve, reject, hide, restore, bulk."""

import pytest
from django.core.exceptions import PermissionDenied

from challenge.models import (
    Entry,
)
from challenge.services.moderation import decisions
from challenge.states import TransitionNotAllowed
from tests.challenge.factories import (
    make_entries,
    make_entry,
    make_user,
)

pytestmark = pytest.mark.django_db
S = Entry.State


def test_approve_records_who_and_when(moderator, django_capture_on_commit_callbacks):
    entry = make_entry()
    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_approve(entry_id=entry.pk, actor=moderator, note="lovely")
    entry.refresh_from_db()
    assert entry.state == S.APPROVED
    assert entry.approved_at is not None
    event = entry.events.order_by("-id").first()
    assert (event.actor, event.from_state, event.to_state, event.note) == (
        moderator,
        S.PENDING_REVIEW,
        S.APPROVED,
        "lovely",
    )


def test_a_decided_entry_cannot_be_decided_again(moderator):
    entry = make_entry()
    decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    with pytest.raises(TransitionNotAllowed):
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    assert entry.events.filter(to_state=S.APPROVED).count() == 1


def test_reject_needs_a_known_reason(moderator):
    entry = make_entry()
    with pytest.raises(ValueError):
        decisions.entry_reject(entry_id=entry.pk, actor=moderator, reason="because")
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW


@pytest.mark.parametrize(
    "user_kind", ["participant", "staff", "staff_viewer", "inactive_moderator"]
)
def test_only_moderators_may_decide(user_kind):
    users = {
        "participant": lambda: make_user(),
        "staff": lambda: make_user(staff=True),
        "staff_viewer": lambda: make_user(staff=True, perms=("challenge.view_entry",)),
        "inactive_moderator": lambda: _inactive(make_user(moderator=True)),
    }
    entry = make_entry()
    with pytest.raises(PermissionDenied):
        decisions.entry_approve(entry_id=entry.pk, actor=users[user_kind]())
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW


def _inactive(user):
    user.is_active = False
    user.save()
    return user


def test_hide_and_restore(moderator):
    entry = make_entry(state=S.APPROVED)
    decisions.entry_hide(entry_id=entry.pk, actor=moderator)
    entry.refresh_from_db()
    assert entry.state == S.HIDDEN
    decisions.entry_restore(entry_id=entry.pk, actor=moderator)
    entry.refresh_from_db()
    assert entry.state == S.APPROVED
    with pytest.raises(TransitionNotAllowed):
        decisions.entry_restore(entry_id=entry.pk, actor=moderator)


def test_restore_does_not_apply_to_a_pending_entry(moderator):
    entry = make_entry()
    with pytest.raises(TransitionNotAllowed):
        decisions.entry_restore(entry_id=entry.pk, actor=moderator)


def test_bulk_applies_what_it_can_and_skips_the_rest(moderator):
    pending = make_entries(5)
    already = make_entry(state=S.APPROVED)
    withdrawn = make_entry(state=S.WITHDRAWN)
    result = decisions.entries_decide(
        entry_ids=[e.pk for e in pending] + [already.pk, withdrawn.pk, 999_999],
        decision="approve",
        actor=moderator,
    )
    assert sorted(result.applied) == sorted(e.pk for e in pending)
    assert sorted(result.skipped) == sorted([already.pk, withdrawn.pk, 999_999])
    assert Entry.objects.filter(state=S.APPROVED).count() == 6
