"""The entry state machine: the one table of allowed transitions and the one
function that applies them.

`entry_transition` locks the entry row (select_for_update), refuses a transition the
table does not allow, saves the new state and appends an EntryEvent. Two moderators
deciding the same entry at once: the second finds the state already changed and gets
`TransitionNotAllowed`.

Only rows change here: deleting files and forgetting cached pages are side effects
of the services that call it (services.erasure), so the machine can be used, and
tested, without storage or a cache.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from videos.models import Video

from .models import Entry, EntryEvent

# A new entry starts as DRAFT when a guardian must confirm it first, else UPLOADED.
INITIAL_STATES = {Entry.State.DRAFT, Entry.State.UPLOADED}

# DRAFT: the video is stored and processed while the guardian decides; a guardian's
# "yes" moves it to UPLOADED (then on like any entry), a "no" withdraws it, and a video
# the pipeline cannot process fails it right away so nobody waits for nothing.
TRANSITIONS: dict[str, set[str]] = {
    Entry.State.DRAFT: {
        Entry.State.UPLOADED,
        Entry.State.FAILED,
        Entry.State.WITHDRAWN,
    },
    Entry.State.UPLOADED: {
        Entry.State.PROCESSING,
        Entry.State.FAILED,
        Entry.State.WITHDRAWN,
    },
    Entry.State.PROCESSING: {
        Entry.State.PENDING_REVIEW,
        Entry.State.FAILED,
        Entry.State.WITHDRAWN,
    },
    Entry.State.PENDING_REVIEW: {
        Entry.State.APPROVED,
        Entry.State.REJECTED,
        Entry.State.WITHDRAWN,
    },
    Entry.State.APPROVED: {
        Entry.State.HIDDEN,
        Entry.State.REJECTED,
        Entry.State.WITHDRAWN,
    },
    Entry.State.HIDDEN: {
        Entry.State.APPROVED,
        Entry.State.REJECTED,
        Entry.State.WITHDRAWN,
    },
    Entry.State.REJECTED: {Entry.State.WITHDRAWN},
    Entry.State.FAILED: {Entry.State.WITHDRAWN},
    Entry.State.WITHDRAWN: set(),
}

# A moderator's decision that can be taken back within settings.MODERATION_UNDO_SECONDS
# (challenge.services.moderation.undo.entry_decision_undo): the entry goes back where it was by a
# new transition, recorded like any other with `undoes` pointing at the decision.
UNDOABLE: set[tuple[str, str]] = {
    (Entry.State.PENDING_REVIEW, Entry.State.APPROVED),
    (Entry.State.PENDING_REVIEW, Entry.State.REJECTED),
    (Entry.State.APPROVED, Entry.State.HIDDEN),
    (Entry.State.APPROVED, Entry.State.REJECTED),
    (Entry.State.HIDDEN, Entry.State.APPROVED),
    (Entry.State.HIDDEN, Entry.State.REJECTED),
}


class TransitionNotAllowed(Exception):
    def __init__(self, entry_id, from_state, to_state):
        self.entry_id, self.from_state, self.to_state = entry_id, from_state, to_state
        super().__init__(
            _("Entry %(id)s cannot go from “%(from)s” to “%(to)s”.")
            % {
                "id": entry_id,
                "from": Entry.State(from_state).label,
                "to": Entry.State(to_state).label,
            }
        )


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, set())


@transaction.atomic
def entry_transition(
    *,
    entry_id: int,
    to_state: str,
    actor=None,
    reason: str = "",
    note: str = "",
    expected_from: set[str] | None = None,
    undoes: EntryEvent | None = None,
) -> Entry:
    """Apply one transition to the entry, under a row lock, and record it.

    `expected_from` narrows the states the caller is willing to act on (a moderator
    approving from the queue acts only on pending_review entries).

    `undoes` takes a decision back: allowed only from the state that decision
    reached to the state it left, for the pairs in UNDOABLE, while it is the entry's
    latest event (the caller checks who and how soon).
    """
    if to_state == Entry.State.WITHDRAWN:
        entry_video_lock(entry_id=entry_id)
    entry = Entry.objects.select_for_update().get(pk=entry_id)
    from_state = entry.state
    if undoes is not None:
        allowed = (
            undoes.entry_id == entry.pk
            and (undoes.from_state, undoes.to_state) in UNDOABLE
            and (from_state, to_state) == (undoes.to_state, undoes.from_state)
            and not EntryEvent.objects.filter(entry=entry, pk__gt=undoes.pk).exists()
        )
    else:
        allowed = can_transition(from_state, to_state)
    if (expected_from is not None and from_state not in expected_from) or not allowed:
        raise TransitionNotAllowed(entry.pk, from_state, to_state)
    now = timezone.now()
    entry.state = to_state
    entry.state_changed_at = now
    update_fields = ["state", "state_changed_at"]
    if to_state == Entry.State.APPROVED and entry.approved_at is None:
        entry.approved_at = now
        update_fields.append("approved_at")
    if to_state == Entry.State.UPLOADED and entry.submitted_at is None:
        entry.submitted_at = now
        update_fields.append("submitted_at")
    entry.save(update_fields=update_fields)
    EntryEvent.objects.create(
        entry=entry,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        note=note,
        undoes=undoes,
    )
    return entry


def entry_video_lock(*, entry_id: int) -> None:
    """Lock the entry's video row before the entry's, the order in which the
    pipeline's finish takes them (the video, then the entry through its
    on_finished hook): a withdrawal erases the video (a tombstone under that lock),
    and taking the two the other way round could deadlock with a transcode
    finishing at that moment. An entry's video never changes, so it is found by a
    subquery that locks nothing else."""
    video_id = Entry.objects.filter(pk=entry_id).values_list("video_id", flat=True)
    Video.objects.select_for_update().filter(pk__in=video_id[:1]).exists()


def entry_record_created(*, entry: Entry, actor=None, reason: str = "") -> None:
    """The first event of an entry's history ("" → its initial state)."""
    if entry.state not in INITIAL_STATES:
        raise TransitionNotAllowed(entry.pk, entry.state, entry.state)
    EntryEvent.objects.create(
        entry=entry, actor=actor, from_state="", to_state=entry.state, reason=reason
    )


@transaction.atomic
def entry_follow_video(*, entry_id: int) -> Entry:
    """Move the entry along to match its video: processing, ready or failed.

    Called when the entry is handed over, when a guardian confirms, and by the video
    pipeline when it finishes. It locks the entry first and reads the video after,
    so whichever of "guardian confirms" and "video ready" comes second sees the
    other's committed result.
    """
    entry = Entry.objects.select_for_update().get(pk=entry_id)
    video = Video.objects.get(pk=entry.video_id)
    if entry.state == Entry.State.UPLOADED:
        entry = entry_transition(
            entry_id=entry.pk, to_state=Entry.State.PROCESSING, reason="handed_over"
        )
    if video.status == Video.Status.FAILED and entry.state in {
        Entry.State.DRAFT,
        Entry.State.PROCESSING,
    }:
        entry = entry_transition(
            entry_id=entry.pk,
            to_state=Entry.State.FAILED,
            reason=(video.failure_code or "video_failed")[:40],
        )
    elif video.status == Video.Status.READY and entry.state == Entry.State.PROCESSING:
        entry = entry_transition(
            entry_id=entry.pk, to_state=Entry.State.PENDING_REVIEW, reason="video_ready"
        )
    return entry
