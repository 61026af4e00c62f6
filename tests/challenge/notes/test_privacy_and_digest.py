"""Notes in one's data download, gone with one's account; the owner's daily digest
(at most once a day, off by default for minors, an unsubscribe link without login)."""

import datetime as dt
import io
import json
import zipfile
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from challenge import tasks
from challenge.models import (
    Entry,
    Note,
    NoteBlock,
    NoteDigest,
    NoteNudge,
    NoteReport,
    NoteSettings,
)
from challenge.selectors.notes import note_prefs
from challenge.services.notes.owner import note_settings_update
from challenge.services.notes.removal import note_block
from challenge.services.notes.reports import note_report_create
from challenge.services.privacy import account_delete, participant_data
from tests.challenge.factories import make_entry, make_participant, make_user

from .helpers import write

pytestmark = pytest.mark.django_db
S = Entry.State


# --- Privacy --------------------------------------------------------------------------


def test_the_data_download_includes_the_notes_one_wrote():
    writer = make_participant()
    entry = make_entry(state=S.APPROVED)
    write(entry, writer, "my kind words")
    write(entry, writer, "you idiot")  # a prompt, not yet answered
    write(entry, make_participant(), "someone else's note")
    notes = participant_data(user=writer.user)["notes"]
    assert [n["text"] for n in notes["written"]] == ["my kind words"]
    assert [p["text"] for p in notes["kindness_prompts"]] == ["you idiot"]
    assert "someone else's note" not in str(notes)


def test_the_download_zip_carries_the_notes(client):
    writer = make_participant()
    write(make_entry(state=S.APPROVED), writer, "zip me")
    client.force_login(writer.user)
    response = client.post(reverse("challenge:my_data_download"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert data["notes"]["written"][0]["text"] == "zip me"


def test_deleting_an_account_deletes_its_notes_prompts_and_blocks(committed):
    writer = make_participant()
    owner = make_participant()
    entry = make_entry(state=S.APPROVED, participant=owner)
    note = write(entry, writer, "bye").note
    write(entry, writer, "you loser")
    note_block(owner=owner, note_id=note.pk)
    reporter = make_user()
    note_report_create(
        note_id=write(entry, make_participant(), "x").note.pk,
        user=reporter,
        reason="spam",
    )
    with committed():
        account_delete(user=writer.user)
    assert not Note.objects.filter(text="bye").exists()
    assert not NoteNudge.objects.exists()
    assert not NoteBlock.objects.exists()
    # a deleted reporter's report stays for the moderators, without the account
    with committed():
        account_delete(user=reporter)
    assert NoteReport.objects.get().user is None


def test_deleting_an_owner_deletes_the_notes_under_their_entries(committed):
    owner = make_participant()
    entry = make_entry(state=S.APPROVED, participant=owner)
    write(entry, make_participant(), "under it")
    with committed():
        account_delete(user=owner.user)
    # the entry is withdrawn and no longer public; its notes are never shown
    assert (
        Client().get(reverse("gallery:detail", args=[entry.pk])).status_code
        == HTTPStatus.NOT_FOUND
    )


# --- The digest ----------------------------------------------------------------------


def test_one_digest_a_day_with_the_count_of_new_notes():
    owner = make_participant(language="fr")
    entry = make_entry(state=S.APPROVED, participant=owner)
    for n in range(3):
        write(entry, make_participant(), f"note {n}")
    write(entry, owner, "my own reply")  # not counted
    assert tasks.notes_digest() == 1
    (message,) = mail.outbox
    assert message.to == [owner.user.email]
    assert "3" in message.subject
    assert "List-Unsubscribe" in message.extra_headers
    assert NoteDigest.objects.get().sent_at is not None
    # the same day again: nothing more
    write(entry, make_participant(), "later")
    assert tasks.notes_digest() == 0
    assert len(mail.outbox) == 1


def test_no_digest_for_a_minor_by_default():
    minor = make_participant(age=14, country="FR")
    entry = make_entry(state=S.APPROVED, participant=minor)
    note_settings_update(participant=minor, open=True, words="", digest=False)
    NoteSettings.objects.filter(participant=minor).update(
        guardian_confirmed_at=timezone.now(), digest=None
    )
    write(entry, make_participant(), "hello")
    assert not note_prefs(minor).digest
    assert tasks.notes_digest() == 0
    assert not mail.outbox


def test_old_notes_are_not_in_the_digest():
    owner = make_participant()
    entry = make_entry(state=S.APPROVED, participant=owner)
    note = write(entry, make_participant(), "old").note
    Note.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2)
    )
    assert tasks.notes_digest() == 0


def test_the_unsubscribe_link_works_without_logging_in():
    owner = make_participant()
    entry = make_entry(state=S.APPROVED, participant=owner)
    write(entry, make_participant(), "hi")
    tasks.notes_digest()
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "unsubscribe" in line)
    path = urlsplit(link.strip()).path
    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == HTTPStatus.OK
    assert note_prefs(owner).digest  # opening the link changes nothing
    done = visitor.post(path)
    assert "no more mails" in done.content.decode()
    assert not note_prefs(owner).digest
    forged = visitor.get(path.replace(str(owner.pk), str(owner.pk + 1), 1))
    assert forged.status_code == HTTPStatus.NOT_FOUND
