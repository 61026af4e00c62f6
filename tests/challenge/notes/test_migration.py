"""Migration 0017 keeps the notes' history: each event's `action` becomes its `from`
and `to` (read back from the note's earlier events), and `report_count` becomes the
open reports; going back restores the old columns and counts."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from challenge.models import Entry, Note, NoteEvent, WatchedWord
from challenge.services.notes.moderators import note_moderate
from challenge.services.notes.removal import notes_remove
from challenge.services.notes.reports import note_report_create
from tests.challenge.factories import make_entry, make_participant, make_user

from .helpers import old_account, write

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("challenge", "0016_resumable_upload_multipart")]
AFTER = [("challenge", "0017_note_event_states_open_report_count")]
S, N = Entry.State, Note.State


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def test_the_notes_history_survives_the_migration_both_ways(settings):
    settings.NOTES_HOLD_AT_REPORTS = 2
    # An earlier transactional test may have flushed the seeded words.
    WatchedWord.objects.get_or_create(
        phrase="kill yourself", language="en", action=WatchedWord.Action.HOLD
    )
    owner, moderator = make_participant(), make_user(moderator=True)
    entry = make_entry(state=S.APPROVED, participant=owner)
    held_at_once = write(entry, make_participant(), "kill yourself").note
    reported = write(entry, make_participant(), "meh").note
    removed = write(entry, make_participant(), "boring").note
    note_moderate(note_id=held_at_once.pk, actor=moderator, remove=False, reason="ok")
    note_moderate(note_id=held_at_once.pk, actor=moderator, remove=True, reason="no")
    for _ in range(2):
        note_report_create(note_id=reported.pk, user=old_account(), reason="spam")
    note_moderate(note_id=reported.pk, actor=moderator, remove=False, reason="fine")
    note_report_create(note_id=reported.pk, user=old_account(), reason="spam")
    notes_remove(owner=owner, note_ids=[removed.pk])
    history = list(
        NoteEvent.objects.order_by("id").values_list(
            "note_id", "from_state", "to_state", "role", "reason"
        )
    )
    assert history == [
        (held_at_once.pk, "", N.HELD, "system", "watched_hold"),
        (held_at_once.pk, N.HELD, N.PUBLISHED, "moderator", "ok"),
        (held_at_once.pk, N.PUBLISHED, N.REMOVED, "moderator", "no"),
        (reported.pk, N.PUBLISHED, N.HELD, "system", "reports"),
        (reported.pk, N.HELD, N.PUBLISHED, "moderator", "fine"),
        (removed.pk, N.PUBLISHED, N.REMOVED, "owner", "owner_removed"),
    ]
    assert Note.objects.get(pk=reported.pk).report_count == 1  # one report open

    try:
        old = migrate(BEFORE)
        events = old.get_model("challenge", "NoteEvent").objects.order_by("id")
        assert list(events.values_list("action", flat=True)) == [
            "held",
            "restored",
            "removed",
            "held",
            "restored",
            "removed",
        ]
        notes = old.get_model("challenge", "Note").objects
        assert notes.get(pk=reported.pk).report_count == 3  # every report, as it was

        after = migrate(AFTER)
        assert (
            list(
                NoteEvent.objects.order_by("id").values_list(
                    "note_id", "from_state", "to_state", "role", "reason"
                )
            )
            == history
        )
        assert (
            after.get_model("challenge", "Note")
            .objects.get(pk=reported.pk)
            .report_count
            == 1
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("challenge"))
