"""Erasing an entry's content and deleting videos, for every kind of delete.

The one way an entry loses its content (docs/decisions.md): withdrawal, a guardian's
refusal or revocation, account deletion and the retention sweep all call
`entry_erase`. It lives below submission, guardian and privacy so that each of them
can use it without importing another; the state machine (challenge.states) stays
free of storage and cache calls.

A deleted video becomes a tombstone under its row lock (videos.services.video_delete)
in the same transaction as the reason for the delete, and its files go once that
commits: a transcode finishing later finds the tombstone and deletes what it wrote.
"""

from django.db import transaction

from core.cards import cards_forget
from core.journal import deletion_record
from videos.models import Video
from videos.services import video_delete

from ..cards import KIND
from ..models import Entry
from ..selectors.gallery import gallery_changed_on_commit
from ..states import TransitionNotAllowed, entry_transition


def entry_erase(*, entry: Entry) -> None:
    """Keep the row and its history, lose the content: the video becomes a
    tombstone (its files are deleted after commit), the caption and watched words
    are emptied, and cached gallery pages forget the entry. Used by withdrawal, a
    guardian's refusal, account deletion and the retention sweep alike.

    The video's row lock is taken before the entry's row is written, the order of
    the pipeline's finish (video, then the entry through its hook): see
    challenge.states.entry_transition for the withdrawals."""
    video_delete(video_id=entry.video_id)
    Entry.objects.filter(pk=entry.pk).update(caption="", watched_hits=[])
    entry.caption, entry.watched_hits = "", []
    deletion_record("entry", entry.pk, state=entry.state)
    gallery_changed_on_commit([entry.pk])
    # Its share cards hold its poster, handle and caption (storage, after commit).
    entry_id = entry.pk
    transaction.on_commit(lambda: cards_forget(kind=KIND, key=entry_id))


@transaction.atomic
def entry_erase_replay(line: dict) -> bool:
    """The deletion journal's replayer for entries (core.journal): an entry restored
    from a backup taken before it was erased goes back to the state it was erased
    in (withdrawn, rejected…) when the table allows it, and loses its content
    again. False when there was nothing left to erase."""
    entry = Entry.objects.select_for_update().filter(pk=line["id"]).first()
    if entry is None:
        return False
    state = line.get("state") or entry.state
    moved = False
    if entry.state != state:
        try:
            entry = entry_transition(
                entry_id=entry.pk, to_state=state, reason="deletion_replayed"
            )
            moved = True
        except TransitionNotAllowed:
            pass
    if not moved and not entry.caption and _video_gone(entry):
        return False
    entry_erase(entry=entry)
    return True


def _video_gone(entry: Entry) -> bool:
    return (
        not Video.objects.filter(pk=entry.video_id)
        .exclude(status=Video.Status.DELETED)
        .exists()
    )
