"""The owner's settings for the notes on their entries: who may write, the words
that hide a note (kept in step on every note not removed), the digest."""

from django.db import transaction

from core.text import clean_text

from ...models import Note, NoteSettings, Participant
from ...selectors.gallery import gallery_changed_on_commit
from ...selectors.notes import owner_words_hit
from .common import settings_row_locked


def _remute(owner: Participant, words) -> None:
    """Keep `muted` in step with the owner's words on every note not removed."""
    notes = Note.objects.filter(entry__participant=owner).exclude(
        state=Note.State.REMOVED
    )
    muted_ids = [
        pk
        for pk, text in notes.values_list("pk", "text")
        if owner_words_hit(text, words)
    ]
    notes.filter(pk__in=muted_ids).update(muted=True)
    notes.exclude(pk__in=muted_ids).update(muted=False)


@transaction.atomic
def note_settings_update(
    *, participant: Participant, open: bool, words: str, digest: bool
) -> NoteSettings:
    """Save who may write, the words that hide a note and the digest choice. Under
    the age of digital consent, "open" waits for a guardian's yes (see
    guardian.note_guardian_request); closing never needs anyone."""
    row = settings_row_locked(participant)
    lines = [clean_text(line)[:80] for line in words.splitlines()]
    cleaned_words = "\n".join(dict.fromkeys(line for line in lines if line))
    words_changed = cleaned_words != row.words
    row.open, row.words, row.digest = open, cleaned_words, digest
    if not open:
        # A later "open" asks the guardian again.
        row.guardian_confirmed_at = None
    row.save()
    if words_changed:
        _remute(participant, row.word_list())
    gallery_changed_on_commit()
    return row
