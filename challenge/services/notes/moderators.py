"""The moderators' decisions on notes: remove or restore one with a reason (what an
owner removed from their own entry stays removed), or everything one writer posted
in one step. A decision resolves the open reports it answers."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import Note, NoteEvent, NoteReport
from .common import gallery_changed_on_commit, notes_remove_each

N = Note.State
E = NoteEvent.Action
MODERATE_NOTES = "challenge.moderate_note"


def can_moderate_notes(user) -> bool:
    return bool(
        user and user.is_active and user.is_staff and user.has_perm(MODERATE_NOTES)
    )


def _require_moderator(actor) -> None:
    if not can_moderate_notes(actor):
        raise PermissionDenied(_("Only moderators can remove or restore notes."))


@transaction.atomic
def note_moderate(*, note_id: int, actor, remove: bool, reason: str) -> bool:
    """A moderator removes a note (published or held) or restores one (held, or
    removed by a moderator: what an owner removed from their own entry stays
    removed). Open reports are resolved. Returns whether anything changed."""
    _require_moderator(actor)
    if not reason.strip():
        raise ValueError(_("Give a reason."))
    note = Note.objects.select_for_update().get(pk=note_id)
    if remove:
        if note.state == N.REMOVED:
            return False
        to_state, action = N.REMOVED, E.REMOVED
    else:
        last = note.events.filter(action=E.REMOVED).first()
        owner_removed = (
            note.state == N.REMOVED
            and last is not None
            and last.role == NoteEvent.Role.OWNER
        )
        if note.state == N.PUBLISHED or owner_removed:
            return False
        to_state, action = N.PUBLISHED, E.RESTORED
    note.state, note.state_changed_at = to_state, timezone.now()
    note.save(update_fields=["state", "state_changed_at"])
    NoteEvent.objects.create(
        note=note,
        actor=actor,
        role=NoteEvent.Role.MODERATOR,
        action=action,
        reason=reason.strip()[:200],
    )
    NoteReport.objects.filter(note=note, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    gallery_changed_on_commit()
    return True


@transaction.atomic
def notes_remove_all_by_author(*, author_id: int, actor, reason: str) -> int:
    """A moderator removes everything one writer posted, in one step."""
    _require_moderator(actor)
    if not reason.strip():
        raise ValueError(_("Give a reason."))
    notes = Note.objects.select_for_update().filter(author_id=author_id)
    removed = notes_remove_each(
        notes, actor=actor, role=NoteEvent.Role.MODERATOR, reason=reason.strip()[:200]
    )
    NoteReport.objects.filter(
        note__author_id=author_id, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())
    return removed
