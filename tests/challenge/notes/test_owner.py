"""The owner's controls: who may write (off by default for minors, a guardian's
yes), hidden words, removing several notes at once or all of one writer, blocking."""

from datetime import timedelta
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from challenge.models import Entry, Heart, Note, NoteBlock, NoteEvent, NoteSettings
from challenge.selectors.notes import note_prefs
from challenge.services.notes.removal import note_block
from tests.challenge.factories import make_entry, make_participant

from .helpers import detail_url, note_url, shown_texts, write

pytestmark = pytest.mark.django_db
S = Entry.State


def logged_in(participant) -> Client:
    client = Client()
    client.force_login(participant.user)
    return client


@pytest.fixture
def owner():
    return make_participant(handle="owner_one")


@pytest.fixture
def entry(owner):
    return make_entry(state=S.APPROVED, participant=owner)


# --- Who may write ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "country", "open_by_default"),
    [
        (25, "FR", True),
        (14, "FR", False),
        (15, "FR", True),
        (13, "IT", False),
        (14, "IT", True),
        (15, "DE", False),
        (16, "DE", True),
        (13, "GB", True),
    ],
)
def test_notes_are_off_by_default_under_the_age_of_digital_consent(
    age, country, open_by_default
):
    participant = make_participant(age=age, country=country)
    prefs = note_prefs(participant)
    assert prefs.open is open_by_default
    assert prefs.digest is open_by_default


def test_nobody_can_write_under_a_minors_entry_by_default(owner):
    minor = make_participant(age=14, country="FR")
    entry = make_entry(state=S.APPROVED, participant=minor)
    writer = make_participant()
    response = logged_in(writer).post(note_url(entry), {"text": "great video"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Notes are closed on this entry." in response.content.decode()
    assert not Note.objects.exists()
    page = logged_in(writer).get(detail_url(entry)).content.decode()
    assert "Notes are closed on this entry." in page
    assert 'name="text"' not in page


def test_a_minor_opens_notes_only_with_a_guardians_yes(
    django_capture_on_commit_callbacks,
):
    minor = make_participant(age=14, country="FR")
    entry = make_entry(state=S.APPROVED, participant=minor)
    client = logged_in(minor)
    url = reverse("challenge:notes_settings")
    asked = client.post(url, {"open": "1", "words": "", "digest": ""})
    assert "email address of a parent or guardian" in asked.content.decode()
    assert not note_prefs(minor).open
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, {"open": "1", "words": "", "guardian_email": "parent@example.net"}
        )
    assert not note_prefs(minor).open
    assert note_prefs(minor).waits_for_guardian
    (message,) = mail.outbox
    assert message.to == ["parent@example.net"]
    link = next(
        line for line in message.body.splitlines() if "/notes/guardian/" in line
    )
    path = urlsplit(link.strip()).path
    # the child's own session never answers
    own = client.post(path, {"decision": "confirm"})
    assert own.status_code == HTTPStatus.FORBIDDEN
    assert not note_prefs(minor).open
    guardian = Client()
    assert guardian.get(path).status_code == HTTPStatus.OK
    assert not note_prefs(minor).open  # opening the link decides nothing
    guardian.post(path, {"decision": "confirm"})
    assert note_prefs(minor).open
    assert (
        logged_in(make_participant())
        .post(note_url(entry), {"text": "lovely"})
        .status_code
        == HTTPStatus.FOUND
    )
    assert Note.objects.count() == 1
    # the link works once
    assert "already been used" in guardian.get(path).content.decode()


def test_a_minor_cannot_name_their_own_mailbox_as_guardian():
    minor = make_participant(age=14, country="FR")
    local, domain = minor.user.email.split("@")
    response = logged_in(minor).post(
        reverse("challenge:notes_settings"),
        {"open": "1", "guardian_email": f"{local.upper()}+x@{domain}"},
    )
    assert "reaches your own mailbox" in response.content.decode()
    assert not mail.outbox


def test_a_forged_guardian_link_is_refused():
    response = Client().get(reverse("challenge:notes_guardian", args=["1.abc:xyz"]))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_the_owner_closes_notes_and_nobody_else_can_write(owner, entry):
    logged_in(owner).post(
        reverse("challenge:notes_settings"), {"open": "0", "words": ""}
    )
    writer = make_participant()
    response = logged_in(writer).post(note_url(entry), {"text": "hello"})
    assert "Notes are closed on this entry." in response.content.decode()
    # the owner may still write under their own entry
    logged_in(owner).post(note_url(entry), {"text": "thank you all"})
    assert list(Note.objects.values_list("text", flat=True)) == ["thank you all"]


# --- Hidden words ---------------------------------------------------------------------


def test_notes_with_the_owners_words_are_seen_only_by_their_writer(owner, entry):
    logged_in(owner).post(
        reverse("challenge:notes_settings"),
        {"open": "1", "words": "pineapple\nmy brother"},
    )
    writer = make_participant()
    write(entry, writer, "PINE-APPLE on pizza")
    write(entry, writer, "say hi to my br0ther")
    write(entry, writer, "lovely")
    assert shown_texts(Client().get(detail_url(entry))) == ["lovely"]
    assert len(shown_texts(logged_in(writer).get(detail_url(entry)))) == 3
    # changing the list applies to the notes already there
    logged_in(owner).post(
        reverse("challenge:notes_settings"), {"open": "1", "words": "lovely"}
    )
    assert shown_texts(Client().get(detail_url(entry))) == [
        "say hi to my br0ther",
        "PINE-APPLE on pizza",
    ]


# --- Removing -------------------------------------------------------------------------


def test_the_owner_removes_several_notes_at_once_and_each_is_logged(owner, entry):
    notes = [write(entry, make_participant(), f"note {n}").note for n in range(4)]
    response = logged_in(owner).post(
        reverse("challenge:notes_manage", args=[entry.pk]),
        {"note": [notes[0].pk, notes[1].pk, notes[2].pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert shown_texts(Client().get(detail_url(entry))) == ["note 3"]
    events = NoteEvent.objects.filter(from_state="published", to_state="removed")
    assert events.count() == 3
    assert {(e.role, e.actor_id) for e in events} == {("owner", owner.user_id)}


def test_an_owner_cannot_remove_notes_under_someone_elses_entry(owner, entry):
    other_entry = make_entry(state=S.APPROVED)
    note = write(other_entry, make_participant(), "not yours").note
    logged_in(owner).post(
        reverse("challenge:notes_manage", args=[entry.pk]), {"note": [note.pk]}
    )
    logged_in(owner).post(
        reverse("gallery:note_owner_action", args=[note.pk]), {"action": "remove"}
    )
    note.refresh_from_db()
    assert note.state == Note.State.PUBLISHED
    # and cannot open the manage page of another's entry
    assert (
        logged_in(owner)
        .get(reverse("challenge:notes_manage", args=[other_entry.pk]))
        .status_code
        == HTTPStatus.NOT_FOUND
    )


def test_the_owner_removes_every_note_of_one_writer(owner, entry):
    second = make_entry(state=S.APPROVED, participant=owner)
    pest, friend = make_participant(), make_participant()
    first_note = write(entry, pest, "meh").note
    write(second, pest, "meh again")
    write(entry, friend, "great")
    elsewhere = write(make_entry(state=S.APPROVED), pest, "elsewhere").note
    logged_in(owner).post(
        reverse("gallery:note_owner_action", args=[first_note.pk]),
        {"action": "remove_writer"},
    )
    assert set(
        Note.objects.filter(state=Note.State.PUBLISHED).values_list("text", flat=True)
    ) == {"great", "elsewhere"}
    elsewhere.refresh_from_db()
    assert elsewhere.state == Note.State.PUBLISHED


# --- Blocking -------------------------------------------------------------------------


def test_a_blocked_writer_can_no_longer_write_or_heart_and_is_not_told(owner, entry):
    pest = make_participant(handle="pest_one")
    note = write(entry, pest, "first").note
    response = logged_in(owner).post(
        reverse("gallery:note_owner_action", args=[note.pk]),
        {"action": "block", "next": detail_url(entry)},
    )
    assert response["Location"] == detail_url(entry)
    assert NoteBlock.objects.filter(owner=owner, blocked=pest.user).exists()
    other_entry = make_entry(state=S.APPROVED, participant=owner)
    client = logged_in(pest)
    refused = client.post(note_url(other_entry), {"text": "hello again"})
    text = refused.content.decode()
    assert "Notes are closed on this entry." in text
    assert "block" not in text.lower().replace("blockquote", "")
    assert Note.objects.count() == 1
    heart = client.post(reverse("gallery:heart", args=[entry.pk]))
    assert heart.status_code == HTTPStatus.NOT_FOUND
    assert not Heart.objects.exists()
    # nobody told them: no mail
    assert not mail.outbox


def test_a_blocked_writer_may_still_take_a_heart_back(owner, entry):
    pest = make_participant()
    client = logged_in(pest)
    client.post(reverse("gallery:heart", args=[entry.pk]))
    assert Heart.objects.count() == 1
    note = write(entry, pest, "hi").note
    note_block(owner=owner, note_id=note.pk)
    client.post(reverse("gallery:heart", args=[entry.pk]))
    assert not Heart.objects.exists()
    entry.refresh_from_db()
    assert entry.heart_count == 0


def test_the_owner_unblocks_from_the_list(owner, entry):
    pest = make_participant(handle="pest_two")
    note_block(owner=owner, note_id=write(entry, pest, "x").note.pk)
    page = logged_in(owner).get(reverse("challenge:notes_settings"))
    assert "@pest_two" in page.content.decode()
    block = NoteBlock.objects.get()
    logged_in(make_participant()).post(
        reverse("challenge:notes_unblock", args=[block.pk])
    )
    assert NoteBlock.objects.exists()  # someone else's list: nothing happens
    logged_in(owner).post(reverse("challenge:notes_unblock", args=[block.pk]))
    assert not NoteBlock.objects.exists()
    logged_in(pest).post(note_url(entry), {"text": "sorry!"})
    assert Note.objects.filter(text="sorry!").exists()


def test_an_owner_cannot_block_themselves(owner, entry):
    note = write(entry, owner, "my own note").note
    assert note_block(owner=owner, note_id=note.pk) is None
    assert not NoteBlock.objects.exists()


def test_the_owner_sees_remove_and_block_buttons_on_the_entry_page(owner, entry):
    write(entry, make_participant(handle="someone_x"), "hey")
    page = logged_in(owner).get(detail_url(entry)).content.decode()
    assert "Block @someone_x" in page
    assert reverse("challenge:notes_manage", args=[entry.pk]) in page
    visitor = logged_in(make_participant()).get(detail_url(entry)).content.decode()
    assert "Block @someone_x" not in visitor
    assert "Report" in visitor


def test_my_entries_links_to_the_notes_of_each_entry(owner, entry):
    write(entry, make_participant(), "hey")
    page = logged_in(owner).get(reverse("challenge:my_entries")).content.decode()
    assert reverse("challenge:notes_manage", args=[entry.pk]) in page
    assert "Notes (1)" in page


def test_settings_are_kept_for_the_owner(owner):
    logged_in(owner).post(
        reverse("challenge:notes_settings"),
        {"open": "0", "words": " spoiler \n\nspoiler\nx\u200by", "digest": "on"},
    )
    row = NoteSettings.objects.get(participant=owner)
    assert (row.open, row.word_list(), row.digest) == (False, ["spoiler", "xy"], True)


def test_saving_again_does_not_mail_the_guardian_twice(
    django_capture_on_commit_callbacks,
):
    minor = make_participant(age=14, country="FR")
    client = logged_in(minor)
    data = {"open": "1", "words": "", "guardian_email": "parent@example.net"}
    for words in ["", "spoiler"]:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("challenge:notes_settings"), {**data, "words": words})
    assert len(mail.outbox) == 1
    assert note_prefs(minor).words == ("spoiler",)


def _guardian_path(message) -> str:
    link = next(
        line for line in message.body.splitlines() if "/notes/guardian/" in line
    )
    return urlsplit(link.strip()).path


def test_saving_again_at_once_says_the_mail_was_already_sent(
    django_capture_on_commit_callbacks,
):
    minor = make_participant(age=14, country="FR")
    client = logged_in(minor)
    data = {"open": "1", "words": "", "guardian_email": "parent@example.net"}
    url = reverse("challenge:notes_settings")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data, follow=True)
        second = client.post(url, data, follow=True)
    assert "We sent your parent or guardian a link" in first.content.decode()
    assert len(mail.outbox) == 1
    page = second.content.decode()
    assert "a few minutes ago" in page
    assert "We sent your parent or guardian a link" not in page


def test_the_guardian_mail_can_be_sent_again_and_only_the_new_link_works(
    django_capture_on_commit_callbacks, settings
):
    minor = make_participant(age=14, country="FR")
    client = logged_in(minor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("challenge:notes_settings"),
            {"open": "1", "words": "", "guardian_email": "parent@example.net"},
        )
    page = client.get(reverse("challenge:notes_settings")).content.decode()
    resend = reverse("challenge:notes_guardian_resend")
    assert f'action="{resend}"' in page
    # too soon: refused with a message, nothing sent
    too_soon = client.post(resend, follow=True)
    assert "Please wait before sending again" in too_soon.content.decode()
    assert len(mail.outbox) == 1
    first_path = _guardian_path(mail.outbox[0])
    row = NoteSettings.objects.get(participant=minor)
    NoteSettings.objects.filter(pk=row.pk).update(
        guardian_requested_at=row.guardian_requested_at
        - timedelta(minutes=settings.GUARDIAN_RESEND_MINUTES + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(resend, follow=True)
    assert "We sent the email again." in again.content.decode()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["parent@example.net"]
    new_path = _guardian_path(mail.outbox[1])
    assert new_path != first_path
    guardian = Client()
    assert "no longer valid" in guardian.get(first_path).content.decode()
    guardian.post(first_path, {"decision": "confirm"})
    assert not note_prefs(minor).open
    guardian.post(new_path, {"decision": "confirm"})
    assert note_prefs(minor).open


@pytest.mark.parametrize("who", ["adult", "confirmed_minor", "minor_not_asking"])
def test_resending_when_nothing_waits_sends_nothing(who, settings):
    participant = make_participant(age=25 if who == "adult" else 14, country="FR")
    if who == "confirmed_minor":
        NoteSettings.objects.create(
            participant=participant,
            open=True,
            guardian_email="parent@example.net",
            guardian_requested_at=timezone.now() - timedelta(days=1),
            guardian_confirmed_at=timezone.now(),
        )
    client = logged_in(participant)
    page = client.get(reverse("challenge:notes_settings")).content.decode()
    assert reverse("challenge:notes_guardian_resend") not in page
    response = client.post(reverse("challenge:notes_guardian_resend"), follow=True)
    assert "Nothing is waiting for an answer" in response.content.decode()
    assert not mail.outbox


def test_resending_is_post_only_and_for_participants():
    url = reverse("challenge:notes_guardian_resend")
    assert Client().post(url).status_code == HTTPStatus.FOUND  # to log in
    minor = make_participant(age=14, country="FR")
    assert logged_in(minor).get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
