"""Undo: a moderator takes back their own last decision within
MODERATION_UNDO_SECONDS (the review desk's U key)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import Entry, EntryEvent, GuardianNotice, ModerationNotice, Report
from ...selectors.desk import DESK_STATES
from ...selectors.gallery import gallery_changed_on_commit
from ...states import UNDOABLE, TransitionNotAllowed, entry_transition
from ..claims import entry_claim, entry_lock_unclaimed
from .decisions import require_moderator, video_follow_decision


class UndoNotPossible(Exception):
    """Nothing of this moderator's can be undone (too late, or already changed)."""


def last_undoable_decision(*, actor, now=None) -> EntryEvent | None:
    """The actor's latest event, if it is a decision still inside the undo window
    and not undone yet (an undo itself is not undone: decide again instead)."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.MODERATION_UNDO_SECONDS)
    event = (
        EntryEvent.objects.filter(actor=actor, created_at__gte=since)
        .order_by("-id")
        .first()
    )
    if (
        event is None
        or event.undoes_id is not None
        or (event.from_state, event.to_state) not in UNDOABLE
        or EntryEvent.objects.filter(undoes=event).exists()
    ):
        return None
    return event


@transaction.atomic
def entry_decision_undo(*, actor, event_id: int | None = None) -> Entry:
    """Take back the actor's last decision, within MODERATION_UNDO_SECONDS.

    A new transition back to the state before the decision, recorded with `undoes`
    (history is never edited). The participant's email for the undone decision is
    closed unsent ("decision undone"; it waits for the window, see
    decisions.notice_delay), the guardian's unsent "published" mail is dropped (a
    later approval makes a new one), reports the decision had resolved are open
    again, and the entry, back in the queue, is claimed by the actor who is looking
    at it.

    `event_id`, when given, must be that last decision (a stale undo button).
    """
    require_moderator(actor)
    event = last_undoable_decision(actor=actor)
    if event is None or (event_id is not None and event.pk != event_id):
        raise UndoNotPossible(_("There is no decision of yours left to undo."))
    entry_lock_unclaimed(entry_id=event.entry_id, actor=actor)
    try:
        entry = entry_transition(
            entry_id=event.entry_id,
            to_state=event.from_state,
            actor=actor,
            reason="undo",
            undoes=event,
        )
    except TransitionNotAllowed as error:
        raise UndoNotPossible(str(error)) from error
    now = timezone.now()
    ModerationNotice.objects.filter(
        event=event, sent_at__isnull=True, claimed_at__isnull=True
    ).update(sent_at=now, last_error="decision undone")
    if event.to_state == Entry.State.APPROVED:
        GuardianNotice.objects.filter(
            consent__entry=entry,
            kind=GuardianNotice.Kind.PUBLISHED,
            sent_at__isnull=True,
            claimed_at__isnull=True,
        ).delete()
    if Report.objects.filter(resolved_by=event).update(
        resolved_at=None, resolved_by=None
    ):
        Entry.objects.filter(pk=entry.pk).update(
            report_count=Report.objects.filter(
                entry=entry, resolved_at__isnull=True
            ).count()
        )
    if entry.state in DESK_STATES:
        entry_claim(entry_id=entry.pk, moderator=actor)
    video_follow_decision(entry)
    gallery_changed_on_commit([entry.pk])
    entry.refresh_from_db()
    return entry
