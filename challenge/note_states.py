"""The note state machine: the one table of allowed transitions and the one function
that applies them, beside challenge.states (the entries' table).

`note_transition` locks the note row (select_for_update), refuses a transition the
table does not allow, saves the new state and appends a NoteEvent (who, from, to,
why, when: the same shape as an EntryEvent). Two moderators deciding the same note
at once: the second finds the state already changed and gets `NoteTransitionNotAllowed`.

Only the state and its log: what a change means for the pages (the gallery cache)
is the calling service's business.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Note, NoteEvent

Role = NoteEvent.Role

# A new note is published at once, or held when the watched words say so.
INITIAL_STATES = {Note.State.PUBLISHED, Note.State.HELD}

TRANSITIONS: dict[str, set[str]] = {
    Note.State.PUBLISHED: {Note.State.HELD, Note.State.REMOVED},
    Note.State.HELD: {Note.State.PUBLISHED, Note.State.REMOVED},
    Note.State.REMOVED: {Note.State.PUBLISHED},
}

# Who removed a note decides whether it may come back: what the entry's owner removed
# from their own entry stays removed (a moderator may restore only a moderator's
# removal).
FINAL_REMOVALS = {Role.OWNER}


def _label(state: str) -> str:
    return Note.State(state).label if state in Note.State.values else state or "—"


class NoteTransitionNotAllowed(Exception):
    def __init__(self, note_id, from_state, to_state):
        self.note_id, self.from_state, self.to_state = note_id, from_state, to_state
        super().__init__(
            _("Note %(id)s cannot go from “%(from)s” to “%(to)s”.")
            % {
                "id": note_id,
                "from": _label(from_state),
                "to": _label(to_state),
            }
        )


def can_note_transition(
    from_state: str, to_state: str, *, removed_by: str | None = None
) -> bool:
    """`removed_by`: the role of the removal that left the note removed, if it is."""
    if from_state == Note.State.REMOVED and removed_by in FINAL_REMOVALS:
        return False
    return to_state in TRANSITIONS.get(from_state, set())


def _removed_by(note: Note) -> str | None:
    return (
        note.events.filter(to_state=Note.State.REMOVED)
        .order_by("-created_at", "-id")
        .values_list("role", flat=True)
        .first()
    )


@transaction.atomic
def note_transition(
    *, note_id: int, to_state: str, role: str, actor=None, reason: str = ""
) -> Note:
    """Apply one transition to the note, under a row lock, and record it."""
    note = Note.objects.select_for_update().get(pk=note_id)
    from_state = note.state
    removed_by = _removed_by(note) if from_state == Note.State.REMOVED else None
    if not can_note_transition(from_state, to_state, removed_by=removed_by):
        raise NoteTransitionNotAllowed(note.pk, from_state, to_state)
    note.state, note.state_changed_at = to_state, timezone.now()
    note.save(update_fields=["state", "state_changed_at"])
    NoteEvent.objects.create(
        note=note,
        actor=actor,
        role=role,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    return note


def note_record_created(*, note: Note, role: str, reason: str = "") -> None:
    """The first event of a note's history ("" → its initial state). Written for a
    note held at once; a note published at once has no event before its first
    change (its `created_at` is where its history starts)."""
    if note.state not in INITIAL_STATES:
        raise NoteTransitionNotAllowed(note.pk, note.state, note.state)
    NoteEvent.objects.create(
        note=note, role=role, from_state="", to_state=note.state, reason=reason
    )


def note_record_kept(*, note_id: int, actor, reason: str) -> bool:
    """A moderator looked at a published note with open reports and kept it: the
    decision goes in its history (published → published, with the reason). False
    when the note is not published or nobody reported it: nothing to decide."""
    note = Note.objects.select_for_update().get(pk=note_id)
    if (
        note.state != Note.State.PUBLISHED
        or not note.reports.filter(resolved_at__isnull=True).exists()
    ):
        return False
    NoteEvent.objects.create(
        note=note,
        actor=actor,
        role=NoteEvent.Role.MODERATOR,
        from_state=note.state,
        to_state=note.state,
        reason=reason,
    )
    return True
