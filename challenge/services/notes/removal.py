"""The owner removes notes under their own entries (several at once, or everything
one writer left) and blocks writers: no new notes, no new hearts on any of the
owner's entries."""

from django.db import transaction

from ...models import NoteBlock, NoteEvent, Participant
from ...selectors.notes import owner_notes
from .common import notes_remove_each


def _owned_notes(owner: Participant):
    # What the owner sees, nothing more: a held note waits for a moderator, and its
    # existence is not revealed to the owner by a count or a block.
    return owner_notes(owner)


@transaction.atomic
def notes_remove(*, owner: Participant, note_ids: list[int]) -> int:
    """The owner removes several notes at once (only notes under their own entries;
    other ids are ignored). Each removal is logged. Returns how many were removed."""
    return notes_remove_each(
        _owned_notes(owner).filter(pk__in=note_ids),
        actor=owner.user,
        role=NoteEvent.Role.OWNER,
        reason="owner_removed",
    )


@transaction.atomic
def notes_remove_by_writer(*, owner: Participant, note_id: int) -> int:
    """Every note the writer of `note_id` left under the owner's entries."""
    note = _owned_notes(owner).filter(pk=note_id).first()
    if note is None:
        return 0
    return notes_remove_each(
        _owned_notes(owner).filter(author_id=note.author_id),
        actor=owner.user,
        role=NoteEvent.Role.OWNER,
        reason="owner_removed_writer",
    )


@transaction.atomic
def note_block(*, owner: Participant, note_id: int) -> NoteBlock | None:
    """Block the writer of a note under the owner's entries: no new notes, no new
    hearts on any of the owner's entries. The writer is never told."""
    note = _owned_notes(owner).filter(pk=note_id).select_related("author").first()
    if note is None or note.author.user_id == owner.user_id:
        return None
    block, _created = NoteBlock.objects.get_or_create(
        owner=owner,
        blocked_id=note.author.user_id,
        defaults={"handle": note.author.handle},
    )
    return block


@transaction.atomic
def note_unblock(*, owner: Participant, block_id: int) -> bool:
    deleted, _rows = NoteBlock.objects.filter(pk=block_id, owner=owner).delete()
    return bool(deleted)
