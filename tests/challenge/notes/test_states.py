"""The notes' state table (challenge.note_states): one function sets a note's state,
refuses what the table does not allow and logs each change in the entries' shape;
`report_count` means on notes what it means on entries."""

from itertools import product

import pytest
from django.db import connection

from challenge.models import Entry, EntryEvent, Note, NoteEvent, NoteReport, Report
from challenge.note_states import (
    TRANSITIONS,
    NoteTransitionNotAllowed,
    note_record_created,
    note_transition,
)
from challenge.services.moderation.decisions import entry_reject, entry_restore
from challenge.services.moderation.reports import report_create
from challenge.services.notes.moderators import (
    note_moderate,
    notes_remove_all_by_author,
)
from challenge.services.notes.removal import notes_remove
from challenge.services.notes.reports import note_report_create
from tests.challenge.factories import make_entry, make_participant, make_user
from tests.conftest import race

from .helpers import old_account, write

pytestmark = pytest.mark.django_db
S, N, Role = Entry.State, Note.State, NoteEvent.Role


@pytest.fixture
def note():
    return write(make_entry(state=S.APPROVED), make_participant(), "Lovely!").note


def in_state(note, state: str) -> Note:
    Note.objects.filter(pk=note.pk).update(state=state)
    return note


# --- The table --------------------------------------------------------------------------


@pytest.mark.parametrize(("from_state", "to_state"), list(product(N.values, repeat=2)))
def test_only_the_tables_transitions_happen(note, moderator, from_state, to_state):
    in_state(note, from_state)
    if to_state in TRANSITIONS[from_state]:
        note_transition(
            note_id=note.pk,
            to_state=to_state,
            role=Role.MODERATOR,
            actor=moderator,
            reason="checked",
        )
        note.refresh_from_db()
        assert note.state == to_state
        event = NoteEvent.objects.get()
        assert (event.actor, event.role, event.from_state, event.to_state) == (
            moderator,
            Role.MODERATOR,
            from_state,
            to_state,
        )
        assert event.reason == "checked"
    else:
        with pytest.raises(NoteTransitionNotAllowed) as refused:
            note_transition(note_id=note.pk, to_state=to_state, role=Role.MODERATOR)
        assert str(refused.value) == (
            f"Note {note.pk} cannot go from “{N(from_state).label}” "
            f"to “{N(to_state).label}”."
        )
        note.refresh_from_db()
        assert note.state == from_state
        assert not NoteEvent.objects.exists()


@pytest.mark.parametrize(
    ("removed_by", "restorable"), [(Role.OWNER, False), (Role.MODERATOR, True)]
)
def test_what_the_owner_removed_stays_removed(note, moderator, removed_by, restorable):
    note_transition(note_id=note.pk, to_state=N.REMOVED, role=removed_by)
    restore = {"note_id": note.pk, "to_state": N.PUBLISHED, "role": Role.MODERATOR}
    if restorable:
        note_transition(**restore, actor=moderator)
    else:
        with pytest.raises(NoteTransitionNotAllowed):
            note_transition(**restore, actor=moderator)
    note.refresh_from_db()
    assert note.state == (N.PUBLISHED if restorable else N.REMOVED)


def test_the_history_starts_at_the_notes_first_state(note):
    in_state(note, N.HELD)
    note_record_created(note=Note.objects.get(pk=note.pk), role=Role.SYSTEM)
    assert NoteEvent.objects.values_list("from_state", "to_state").get() == ("", N.HELD)
    with pytest.raises(NoteTransitionNotAllowed):
        note_record_created(note=Note(pk=note.pk, state="gone"), role=Role.SYSTEM)


def test_note_events_have_the_shape_of_entry_events():
    """who, from, to, why, when: the same fields, in the same order, of the same
    kinds (a note's event also says in which role its actor acted)."""
    shape = ["actor", "from_state", "to_state", "reason", "created_at"]

    def fields(model):
        return [f for f in model._meta.concrete_fields if f.name in shape]

    assert [f.name for f in fields(NoteEvent)] == shape
    assert [f.name for f in fields(EntryEvent)] == shape
    for mine, theirs in zip(fields(NoteEvent), fields(EntryEvent), strict=True):
        assert type(mine) is type(theirs)
        assert (mine.null, mine.blank) == (theirs.null, theirs.blank)
        assert str(mine.verbose_name) == str(theirs.verbose_name)
    assert [f.name for f in NoteEvent._meta.concrete_fields] == [
        "id",
        "note",
        "actor",
        "role",
        "from_state",
        "to_state",
        "reason",
        "created_at",
    ]


def test_every_service_change_goes_through_the_table(note, moderator, settings):
    """Held by reports, restored, removed by the owner: each step one event whose
    `from` is the step before's `to`."""
    settings.NOTES_HOLD_AT_REPORTS = 1
    note_report_create(note_id=note.pk, user=old_account(), reason="spam")
    note_moderate(note_id=note.pk, actor=moderator, remove=False, reason="fine")
    notes_remove(owner=note.entry.participant, note_ids=[note.pk])
    steps = list(
        NoteEvent.objects.order_by("id").values_list("from_state", "to_state", "role")
    )
    assert steps == [
        (N.PUBLISHED, N.HELD, Role.SYSTEM),
        (N.HELD, N.PUBLISHED, Role.MODERATOR),
        (N.PUBLISHED, N.REMOVED, Role.OWNER),
    ]


# --- report_count -----------------------------------------------------------------------


def _report_both(entry, note, user) -> None:
    report_create(
        entry_id=entry.pk, reporter_key=f"u:{user.pk}", user=user, reason="spam"
    )
    note_report_create(note_id=note.pk, user=user, reason="spam")


def _counts(entry, note) -> list[tuple[int, int]]:
    """(report_count, open reports) of the entry and of the note."""
    entry.refresh_from_db()
    note.refresh_from_db()
    return [
        (
            entry.report_count,
            Report.objects.filter(entry=entry, resolved_at=None).count(),
        ),
        (
            note.report_count,
            NoteReport.objects.filter(note=note, resolved_at=None).count(),
        ),
    ]


@pytest.mark.parametrize("decision", ["remove", "restore"])
def test_report_count_is_the_open_reports_on_notes_as_on_entries(
    moderator, settings, decision
):
    """Every report counts, weighed or not (an unverified account weighs nothing);
    a moderator's decision resolves them and the count goes back to 0."""
    settings.MODERATION_HIDE_AT_REPORTS = settings.NOTES_HOLD_AT_REPORTS = 1
    entry = make_entry(state=S.APPROVED)
    note = write(make_entry(state=S.APPROVED), make_participant(), "Lovely!").note
    _report_both(entry, note, make_user(verified=False))
    assert _counts(entry, note) == [(1, 1), (1, 1)]
    _report_both(entry, note, old_account())  # hides the entry, holds the note
    assert _counts(entry, note) == [(2, 2), (2, 2)]
    assert (entry.state, note.state) == (S.HIDDEN, N.HELD)
    if decision == "remove":
        entry_reject(entry_id=entry.pk, actor=moderator, reason="bullying")
        note_moderate(note_id=note.pk, actor=moderator, remove=True, reason="mean")
        assert _counts(entry, note) == [(0, 0), (0, 0)]
    else:
        settings.MODERATION_HIDE_AT_REPORTS = settings.NOTES_HOLD_AT_REPORTS = 9
        entry_restore(entry_id=entry.pk, actor=moderator)
        note_moderate(note_id=note.pk, actor=moderator, remove=False, reason="fine")
        assert _counts(entry, note) == [(0, 0), (0, 0)]
        _report_both(entry, note, old_account())
        assert _counts(entry, note) == [(1, 1), (1, 1)]


def test_removing_everything_by_a_writer_resolves_its_reports(moderator):
    writer = make_participant()
    notes = [
        write(make_entry(state=S.APPROVED), writer, f"n{n}").note for n in range(2)
    ]
    other = write(make_entry(state=S.APPROVED), make_participant(), "kind").note
    for reported in [*notes, other]:
        note_report_create(note_id=reported.pk, user=old_account(), reason="spam")
    notes_remove(owner=notes[0].entry.participant, note_ids=[notes[0].pk])
    # an owner's removal resolves nothing: only a moderator decides on reports
    assert Note.objects.get(pk=notes[0].pk).report_count == 1
    notes_remove_all_by_author(author_id=writer.pk, actor=moderator, reason="spam")
    assert [Note.objects.get(pk=n.pk).report_count for n in notes] == [0, 0]
    assert not NoteReport.objects.filter(note__author=writer, resolved_at=None).exists()
    assert Note.objects.get(pk=other.pk).report_count == 1


# --- Two moderators at once -------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_moderators_removing_one_note_give_one_event(postgres_db, transactional_db):
    assert connection.vendor == "postgresql"
    note = write(make_entry(state=S.APPROVED), make_participant(), "meh").note
    moderators = [make_user(moderator=True), make_user(moderator=True)]
    results = race(
        [
            lambda actor=actor: note_moderate(
                note_id=note.pk, actor=actor, remove=True, reason="mean"
            )
            for actor in moderators
        ]
    )
    assert sorted(value for _kind, value in results) == [False, True], results
    assert NoteEvent.objects.filter(note=note).count() == 1
