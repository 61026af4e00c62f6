"""What several note flows share."""

from ...models import Note, NoteSettings, Participant
from ...note_states import note_transition
from ...selectors.gallery import gallery_changed_on_commit


def settings_row_locked(participant: Participant) -> NoteSettings:
    row, _created = NoteSettings.objects.select_for_update().get_or_create(
        participant=participant
    )
    return row


def notes_remove_each(notes, *, actor, role: str, reason: str) -> int:
    """Remove every note of `notes` (a queryset) not removed yet, each by its own
    transition and event. Returns how many were removed."""
    note_ids = list(
        notes.select_for_update()
        .exclude(state=Note.State.REMOVED)
        .values_list("pk", flat=True)
    )
    for note_id in note_ids:
        note_transition(
            note_id=note_id,
            to_state=Note.State.REMOVED,
            role=role,
            actor=actor,
            reason=reason,
        )
    if note_ids:
        gallery_changed_on_commit(
            set(Note.objects.filter(pk__in=note_ids).values_list("entry_id", flat=True))
        )
    return len(note_ids)
