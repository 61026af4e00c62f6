"""What several note flows share."""

from django.db import transaction
from django.utils import timezone

from ...models import Note, NoteEvent, NoteSettings, Participant
from ...selectors.gallery import gallery_changed


def gallery_changed_on_commit() -> None:
    transaction.on_commit(gallery_changed)


def settings_row_locked(participant: Participant) -> NoteSettings:
    row, _created = NoteSettings.objects.select_for_update().get_or_create(
        participant=participant
    )
    return row


def notes_remove_each(notes, *, actor, role: str, reason: str) -> int:
    """Remove every note of `notes` (a queryset) not removed yet, each with its own
    event. Returns how many were removed."""
    removed = 0
    for note in notes.exclude(state=Note.State.REMOVED):
        note.state, note.state_changed_at = Note.State.REMOVED, timezone.now()
        note.save(update_fields=["state", "state_changed_at"])
        NoteEvent.objects.create(
            note=note,
            actor=actor,
            role=role,
            action=NoteEvent.Action.REMOVED,
            reason=reason,
        )
        removed += 1
    if removed:
        gallery_changed_on_commit()
    return removed
