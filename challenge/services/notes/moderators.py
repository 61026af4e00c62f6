"""The moderators' decisions on notes: remove or restore one with a reason (what an
owner removed from their own entry stays removed), or everything one writer posted
in one step. A decision resolves the open reports it answers."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import Note, NoteEvent, NoteReport
from ...note_states import (
    NoteTransitionNotAllowed,
    note_record_kept,
    note_transition,
)
from ...selectors.gallery import gallery_changed_on_commit
from .common import notes_remove_each

MODERATE_NOTES = "challenge.moderate_note"


def can_moderate_notes(user) -> bool:
    return bool(
        user and user.is_active and user.is_staff and user.has_perm(MODERATE_NOTES)
    )


def _require_moderator(actor) -> None:
    if not can_moderate_notes(actor):
        raise PermissionDenied(_("Only moderators can remove or restore notes."))


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValueError(_("Give a reason."))
    return reason.strip()[:200]


def _resolve_reports(notes) -> None:
    """A moderator decided: the notes' open reports are resolved, and their
    `report_count` (the open reports, as on entries) goes back to 0."""
    NoteReport.objects.filter(note__in=notes, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    notes.filter(report_count__gt=0).update(report_count=0)
    notes.filter(report_burst_at__isnull=False).update(report_burst_at=None)


@transaction.atomic
def note_moderate(*, note_id: int, actor, remove: bool, reason: str) -> bool:
    """A moderator removes a note (published or held) or restores one (held, or
    removed by a moderator: what an owner removed from their own entry stays
    removed; see challenge.note_states); "restore" on a published note that was
    reported keeps it (the decision in its history). Open reports are resolved.
    Returns whether anything was decided."""
    _require_moderator(actor)
    reason = _reason(reason)
    try:
        note_transition(
            note_id=note_id,
            to_state=Note.State.REMOVED if remove else Note.State.PUBLISHED,
            role=NoteEvent.Role.MODERATOR,
            actor=actor,
            reason=reason,
        )
    except NoteTransitionNotAllowed:
        if remove or not note_record_kept(note_id=note_id, actor=actor, reason=reason):
            return False
    _resolve_reports(Note.objects.filter(pk=note_id))
    gallery_changed_on_commit(
        Note.objects.filter(pk=note_id).values_list("entry_id", flat=True)
    )
    return True


@transaction.atomic
def notes_remove_all_by_author(*, author_id: int, actor, reason: str) -> int:
    """A moderator removes everything one writer posted, in one step."""
    _require_moderator(actor)
    reason = _reason(reason)
    # Every note of the writer's, removed or not, is locked first: the reports
    # resolved below are those of these notes.
    note_ids = list(
        Note.objects.select_for_update()
        .filter(author_id=author_id)
        .values_list("pk", flat=True)
    )
    notes = Note.objects.filter(pk__in=note_ids)
    removed = notes_remove_each(
        notes, actor=actor, role=NoteEvent.Role.MODERATOR, reason=reason
    )
    _resolve_reports(notes)
    return removed
