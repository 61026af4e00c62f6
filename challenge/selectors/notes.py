"""Reads for kind notes: who may write on an entry, the notes a visitor sees (keyset
pages, one query whatever the number of notes), the owner's view, blocks.

Notes show only under public entries: the entry page asks
`challenge.selectors.gallery.gallery_entry` first, and every other read here starts
from `public_entries()` or from the owner's own entries.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Count, F, Q, QuerySet

from ..ages import needs_guardian
from ..models import Note, NoteBlock, NoteSettings, Participant
from ..nudge import Watched, find_hits
from .gallery import public_entries

CURSOR_SALT = "challenge.notes.cursor"
VISIBLE = Note.State.PUBLISHED


@dataclass(frozen=True)
class NotePrefs:
    """An owner's effective choices (NoteSettings with the defaults for their age)."""

    open: bool
    digest: bool
    words: tuple[str, ...]
    minor: bool
    chosen_open: bool | None
    guardian_confirmed: bool
    guardian_requested: bool

    @property
    def waits_for_guardian(self) -> bool:
        return self.minor and bool(self.chosen_open) and not self.guardian_confirmed


def note_prefs(participant: Participant, row: NoteSettings | None = None) -> NotePrefs:
    """Under the age of digital consent (challenge.ages), notes are off and the digest
    too unless chosen; notes open only once a guardian agreed. `row` may be passed
    when already loaded (None: read it)."""
    if row is None:
        row = NoteSettings.objects.filter(participant=participant).first()
    minor = needs_guardian(participant)
    chosen_open = row.open if row else None
    confirmed = bool(row and row.guardian_confirmed_at)
    is_open = (not minor) if chosen_open is None else chosen_open
    if minor and not confirmed:
        is_open = False
    digest = row.digest if row and row.digest is not None else not minor
    return NotePrefs(
        open=is_open,
        digest=digest,
        words=tuple(row.word_list()) if row else (),
        minor=minor,
        chosen_open=chosen_open,
        guardian_confirmed=confirmed,
        guardian_requested=bool(row and row.guardian_requested_at),
    )


def owner_words_hit(text: str, words) -> bool:
    """Does the note contain one of the owner's own words? The watched-word engine's
    matching (case, accents, leetspeak, spacing tricks)."""
    watched = [Watched(phrase=word, language="", action="nudge") for word in words]
    return bool(find_hits(text, watched))


def is_blocked(*, owner_id: int, user) -> bool:
    if not user.is_authenticated:
        return False
    return NoteBlock.objects.filter(owner_id=owner_id, blocked=user).exists()


@dataclass(frozen=True)
class NoteAccess:
    is_owner: bool
    can_write: bool


def note_access(*, owner_id: int, user) -> NoteAccess:
    """What `user` may do with the notes under an entry of participant `owner_id`:
    the owner may always write under their own entries; others when the owner's
    notes are open and they are not blocked (two queries, whatever the notes)."""
    if not user.is_authenticated:
        return NoteAccess(is_owner=False, can_write=False)
    owner = Participant.objects.select_related("note_settings").get(pk=owner_id)
    if owner.user_id == user.pk:
        return NoteAccess(is_owner=True, can_write=True)
    row = getattr(owner, "note_settings", None) or NoteSettings()
    can_write = note_prefs(owner, row).open and not is_blocked(
        owner_id=owner_id, user=user
    )
    return NoteAccess(is_owner=False, can_write=can_write)


def note_write_refusal(*, owner_id: int, user) -> str | None:
    """Why `user` may not write a note under an entry of `owner_id`, or None."""
    return None if note_access(owner_id=owner_id, user=user).can_write else "closed"


# --- Pages of notes ---------------------------------------------------------------


def cursor_encode(note: Note) -> str:
    return signing.dumps(
        [note.created_at.isoformat(), note.pk], salt=CURSOR_SALT, compress=True
    )


def cursor_decode(token: str) -> tuple[datetime, int] | None:
    if not token:
        return None
    try:
        stamp, pk = signing.loads(token, salt=CURSOR_SALT)
        return datetime.fromisoformat(stamp), int(pk)
    except (signing.BadSignature, TypeError, ValueError):
        return None


@dataclass
class NotesPage:
    notes: list[Note]
    next_cursor: str | None
    is_first: bool


def _page(queryset: QuerySet[Note], *, cursor: str, size: int) -> NotesPage:
    after = cursor_decode(cursor)
    if after is not None:
        stamp, pk = after
        queryset = queryset.filter(
            Q(created_at__lt=stamp) | Q(created_at=stamp, pk__lt=pk)
        )
    rows = list(
        queryset.annotate(
            handle=F("author__handle"), author_user_id=F("author__user_id")
        ).order_by("-created_at", "-id")[: size + 1]
    )
    has_more = len(rows) > size
    rows = rows[:size]
    return NotesPage(
        notes=rows,
        next_cursor=cursor_encode(rows[-1]) if has_more and rows else None,
        is_first=after is None,
    )


def entry_notes_page(
    *, entry_id: int, viewer, cursor: str = "", size: int
) -> NotesPage:
    """The notes under a public entry, newest first: published ones not hidden by
    the owner's words, and the viewer's own (also held or hidden ones, so nobody
    learns that a note was held or hidden). One query for any number of notes."""
    visible = Q(state=VISIBLE, muted=False)
    if viewer.is_authenticated:
        visible |= Q(author__user_id=viewer.pk, state__in=[VISIBLE, Note.State.HELD])
    notes = Note.objects.filter(visible, entry_id=entry_id).only(
        "id", "text", "created_at", "state", "muted", "entry_id", "author_id"
    )
    return _page(notes, cursor=cursor, size=size)


def owner_notes(owner: Participant) -> QuerySet[Note]:
    """The notes under the owner's entries that the owner sees: published ones
    (also those their own words hide, marked) and, of the held ones, only the
    owner's own. A note held for a moderator is shown to its writer only: the
    person it targets neither reads it nor counts it."""
    return Note.objects.filter(entry__participant=owner).filter(
        Q(state=VISIBLE) | Q(state=Note.State.HELD, author=owner)
    )


def owner_notes_page(
    *, owner: Participant, entry_id: int, cursor: str = "", size: int
) -> NotesPage:
    """The notes the owner sees under one of their entries, for the owner's
    "manage notes" page."""
    return _page(owner_notes(owner).filter(entry_id=entry_id), cursor=cursor, size=size)


def public_note(*, note_id: int) -> Note | None:
    """A note anyone may see (and so report), with its entry public."""
    return (
        Note.objects.filter(
            pk=note_id,
            state=VISIBLE,
            muted=False,
            entry__in=public_entries().values("pk"),
        )
        .select_related("entry", "author")
        .first()
    )


def blocks_for(owner: Participant) -> QuerySet[NoteBlock]:
    return NoteBlock.objects.filter(owner=owner)


def note_counts_for(owner: Participant) -> dict[int, int]:
    """The notes the owner sees on each of their entries (for "My entries")."""
    rows = owner_notes(owner).values("entry_id").annotate(n=Count("pk"))
    return {row["entry_id"]: row["n"] for row in rows}
