"""Writing a note: the text as stored, the watched-word engine's "think before you
post" prompt (edit, post anyway, cancel), and prompts nobody answered."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import clean_text, has_control_characters, visible_length

from ...errors import (
    NoteDuplicate,
    NoteGone,
    NoteInvalid,
    NotesClosed,
    NudgeAlreadyDecided,
)
from ...models import Entry, Note, NoteEvent, NoteNudge, Participant
from ...note_states import note_record_created
from ...nudge import caption_hits, needs_careful_review
from ...selectors.gallery import gallery_grew, public_entries
from ...selectors.notes import note_prefs, note_write_refusal, owner_words_hit


def note_text_clean(text: str) -> str:
    """The note as stored, or NoteInvalid with the message to show: control
    characters refused (not silently dropped), length counted in visible
    characters."""
    if has_control_characters(text):
        raise NoteInvalid(
            _("Your note contains invisible control characters. Please type it again.")
        )
    cleaned = clean_text(text, multiline=True)
    if not cleaned:
        raise NoteInvalid(_("Write a few kind words first."))
    limit = settings.NOTES_MAX_LENGTH
    if visible_length(cleaned) > limit:
        raise NoteInvalid(
            _("A note can be at most %(limit)s characters long.") % {"limit": limit}
        )
    if len(cleaned) > Note._meta.get_field("text").max_length:
        raise NoteInvalid(
            _(
                "This text uses too many combined symbols to be stored. Please shorten it."
            )
        )
    return cleaned


@dataclass
class NoteResult:
    note: Note | None = None
    nudge: NoteNudge | None = None
    duplicate: bool = False

    @property
    def held(self) -> bool:
        return self.note is not None and self.note.state == Note.State.HELD


def _writable_entry(*, entry_id: int, participant: Participant) -> Entry:
    entry = public_entries().filter(pk=entry_id).only("pk", "participant_id").first()
    if entry is None:
        raise NoteGone(_("This entry is not in the gallery."))
    if note_write_refusal(owner_id=entry.participant_id, user=participant.user):
        raise NotesClosed()
    return entry


def _check_duplicate(*, participant: Participant, text: str) -> None:
    since = timezone.now() - timedelta(hours=settings.NOTES_DUPLICATE_HOURS)
    if Note.objects.filter(
        author=participant, text__iexact=text, created_at__gte=since
    ).exists():
        raise NoteDuplicate()


def _lock_writer(participant: Participant) -> None:
    # One writer's notes are written one after the other, so two identical posts
    # at once give one note and one "already written".
    Participant.objects.select_for_update().filter(pk=participant.pk).first()


def _note_create(
    *, entry: Entry, participant: Participant, text: str, hits: list, outcome: str
) -> Note:
    held = needs_careful_review(hits)
    owner_prefs = note_prefs(Participant.objects.get(pk=entry.participant_id))
    note = Note.objects.create(
        entry_id=entry.pk,
        author=participant,
        text=text,
        state=Note.State.HELD if held else Note.State.PUBLISHED,
        muted=owner_words_hit(text, owner_prefs.words),
        nudge_outcome=outcome,
        watched_hits=hits,
    )
    if held:
        note_record_created(
            note=note, role=NoteEvent.Role.SYSTEM, reason="watched_hold"
        )
    transaction.on_commit(gallery_grew)
    return note


@transaction.atomic
def note_submit(*, entry_id: int, participant: Participant, text: str) -> NoteResult:
    """Write a note under a public entry.

    The watched-word engine reads it first: a "hold" phrase keeps the note for a
    moderator (the writer sees it as theirs, nobody else does); another watched
    phrase gives a pending NoteNudge and the "think before you post" page, nothing
    published yet; a kind note is published at once.
    """
    text = note_text_clean(text)
    entry = _writable_entry(entry_id=entry_id, participant=participant)
    _lock_writer(participant)
    _check_duplicate(participant=participant, text=text)
    hits = caption_hits(text)
    if hits and not needs_careful_review(hits):
        nudge = NoteNudge.objects.create(
            participant=participant, entry_id=entry.pk, text=text, hits=hits
        )
        return NoteResult(nudge=nudge)
    note = _note_create(
        entry=entry,
        participant=participant,
        text=text,
        hits=hits,
        outcome=NoteNudge.Outcome.NONE,
    )
    return NoteResult(note=note)


class NoteChoice:
    EDIT = "edit"
    POST_ANYWAY = "post_anyway"
    CANCEL = "cancel"


@transaction.atomic
def note_nudge_decide(
    *, nudge_id: int, participant: Participant, choice: str, text: str = ""
) -> NoteResult:
    """The writer's choice after "think before you post": cancel (nothing is
    published), edit (checked again; still hurtful → the prompt stays with the new
    words), or post anyway (published as it was, the hits recorded)."""
    nudge = NoteNudge.objects.select_for_update().get(
        pk=nudge_id, participant=participant
    )
    if nudge.outcome != NoteNudge.Outcome.PENDING:
        if nudge.note_id:
            return NoteResult(note=nudge.note, duplicate=True)
        raise NudgeAlreadyDecided()
    now = timezone.now()
    if choice == NoteChoice.CANCEL:
        nudge.outcome, nudge.decided_at = NoteNudge.Outcome.CANCELLED, now
        nudge.save(update_fields=["outcome", "decided_at"])
        return NoteResult(nudge=nudge)
    if choice == NoteChoice.EDIT:
        new_text = note_text_clean(text)
        hits = caption_hits(new_text)
        if hits and not needs_careful_review(hits):
            nudge.text, nudge.hits = new_text, hits
            nudge.save(update_fields=["text", "hits"])
            return NoteResult(nudge=nudge)
        outcome, final_text = NoteNudge.Outcome.EDITED, new_text
    elif choice == NoteChoice.POST_ANYWAY:
        outcome, final_text, hits = (
            NoteNudge.Outcome.POSTED_ANYWAY,
            nudge.text,
            nudge.hits,
        )
    else:
        raise ValueError(f"unknown choice {choice!r}")
    entry = _writable_entry(entry_id=nudge.entry_id, participant=participant)
    _lock_writer(participant)
    _check_duplicate(participant=participant, text=final_text)
    note = _note_create(
        entry=entry,
        participant=participant,
        text=final_text,
        hits=hits,
        outcome=outcome,
    )
    nudge.outcome, nudge.decided_at, nudge.note = outcome, now, note
    nudge.save(update_fields=["outcome", "decided_at", "note"])
    return NoteResult(note=note)


def note_nudges_expire_abandoned(*, older_than: timedelta | None = None) -> int:
    """Prompts nobody answered become "abandoned" (counted as such)."""
    older_than = older_than or timedelta(hours=settings.CHALLENGE_NUDGE_HOLD_HOURS)
    return NoteNudge.objects.filter(
        outcome=NoteNudge.Outcome.PENDING, created_at__lt=timezone.now() - older_than
    ).update(outcome=NoteNudge.Outcome.ABANDONED, decided_at=timezone.now())
