"""What the notes tests share: URLs and a quick way to write a note through the
service."""

import html
import re

from django.urls import reverse

from challenge.services.notes.writing import note_submit


def detail_url(entry) -> str:
    return reverse("gallery:detail", kwargs={"pk": entry.pk})


def note_url(entry) -> str:
    return reverse("gallery:note_create", kwargs={"pk": entry.pk})


def write(entry, participant, text="What a kind thing to do!"):
    """A published (or held, or prompted) note, as the service makes it."""
    return note_submit(entry_id=entry.pk, participant=participant, text=text)


NOTE_TEXT = re.compile(r'<p class="note-text">(.*?)</p>', re.S)


def shown_texts(response) -> list[str]:
    """The notes' texts as the page shows them (also for a page from the cache)."""
    return [
        html.unescape(text).replace("<br>", "\n")
        for text in NOTE_TEXT.findall(response.content.decode())
    ]
