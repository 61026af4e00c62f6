"""What the notes tests share: URLs, a quick way to write a note through the
service, and an account whose reports weigh in full."""

import datetime as dt
import html
import re

from django.urls import reverse
from django.utils import timezone

from challenge.services.notes.writing import note_submit
from tests.challenge.factories import make_user


def detail_url(entry) -> str:
    return reverse("gallery:detail", kwargs={"pk": entry.pk})


def note_url(entry) -> str:
    return reverse("gallery:note_create", kwargs={"pk": entry.pk})


def write(entry, participant, text="What a kind thing to do!"):
    """A published (or held, or prompted) note, as the service makes it."""
    return note_submit(entry_id=entry.pk, participant=participant, text=text)


def old_account():
    """A verified account old enough for its reports to weigh in full."""
    user = make_user()
    user.date_joined = timezone.now() - dt.timedelta(days=60)
    user.save(update_fields=["date_joined"])
    return user


NOTE_TEXT = re.compile(r'<p class="note-text">(.*?)</p>', re.S)


def shown_texts(response) -> list[str]:
    """The notes' texts as the page shows them (also for a page from the cache)."""
    return [
        html.unescape(text).replace("<br>", "\n")
        for text in NOTE_TEXT.findall(response.content.decode())
    ]
