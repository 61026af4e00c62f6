"""Writing a note: who may, what is refused, and "think before you post"."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from challenge.models import Entry, Note, NoteEvent, NoteNudge, NudgeOutcome
from tests.challenge.factories import make_entry, make_participant, make_user
from tests.conftest import race

from .helpers import detail_url, note_url, shown_texts, write

pytestmark = pytest.mark.django_db
S = Entry.State


@pytest.fixture
def entry():
    return make_entry(state=S.APPROVED)


@pytest.fixture
def writer():
    return make_participant(handle="kind_writer")


@pytest.fixture
def writer_client(writer):
    client = Client()
    client.force_login(writer.user)
    return client


def test_a_kind_note_is_published_under_the_entry_with_the_handle_only(
    entry, writer, writer_client
):
    response = writer_client.post(note_url(entry), {"text": "You are so brave 💛"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].endswith(detail_url(entry) + "#notes")
    note = Note.objects.get()
    assert (note.state, note.author, note.nudge_outcome) == (
        Note.State.PUBLISHED,
        writer,
        NudgeOutcome.NONE,
    )
    page = Client().get(detail_url(entry))
    html = page.content.decode()
    assert "You are so brave 💛" in html
    assert "@kind_writer" in html
    assert writer.user.email not in html


def test_notes_are_shown_newest_first(entry):
    for text in ["first note", "second note", "third note"]:
        write(entry, make_participant(), text)
    assert shown_texts(Client().get(detail_url(entry))) == [
        "third note",
        "second note",
        "first note",
    ]


def test_html_is_escaped_and_links_are_not_clickable(entry, writer, writer_client):
    text = '<b>hi</b> <a href="https://evil.example">x</a> https://evil.example/p'
    writer_client.post(note_url(entry), {"text": text})
    html = Client().get(detail_url(entry)).content.decode()
    assert "&lt;b&gt;hi&lt;/b&gt;" in html
    assert 'href="https://evil.example' not in html
    assert "https://evil.example/p" in html


def test_a_visitor_must_log_in_to_write(entry):
    response = Client().post(note_url(entry), {"text": "hello"})
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("account_login") in response["Location"]
    assert not Note.objects.exists()
    page = Client().get(detail_url(entry)).content.decode()
    assert "Log in to write a kind note." in page


def test_an_account_without_a_profile_completes_it_first(entry):
    client = Client()
    client.force_login(make_user())
    response = client.post(note_url(entry), {"text": "hello"})
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("challenge:profile") in response["Location"]
    assert not Note.objects.exists()


def test_an_unverified_address_cannot_write(entry):
    participant = make_participant(user=make_user(verified=False))
    client = Client()
    client.force_login(participant.user)
    client.post(note_url(entry), {"text": "hello there"})
    assert not Note.objects.exists()


@pytest.mark.parametrize("state", [S.PENDING_REVIEW, S.HIDDEN, S.WITHDRAWN, S.REJECTED])
def test_no_note_on_an_entry_that_is_not_public(state, writer_client):
    entry = make_entry(state=state)
    response = writer_client.post(note_url(entry), {"text": "hello"})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not Note.objects.exists()


def test_a_mean_note_prompts_and_an_edit_publishes_it(entry, writer, writer_client):
    response = writer_client.post(note_url(entry), {"text": "you are an idiot"})
    nudge = NoteNudge.objects.get()
    assert response["Location"] == reverse("gallery:note_nudge", args=[nudge.pk])
    assert not Note.objects.exists()
    page = writer_client.get(response["Location"])
    assert "Think before you post" in page.content.decode()
    assert "about 4 in 10" in page.content.decode()
    done = writer_client.post(
        response["Location"], {"choice": "edit", "text": "you are a star"}
    )
    assert done.status_code == HTTPStatus.FOUND
    note = Note.objects.get()
    assert (note.text, note.nudge_outcome) == ("you are a star", NudgeOutcome.EDITED)
    nudge.refresh_from_db()
    assert (nudge.outcome, nudge.note) == (NudgeOutcome.EDITED, note)


def test_an_edit_that_is_still_hurtful_keeps_the_prompt(entry, writer, writer_client):
    writer_client.post(note_url(entry), {"text": "you are an idiot"})
    nudge = NoteNudge.objects.get()
    url = reverse("gallery:note_nudge", args=[nudge.pk])
    page = writer_client.post(url, {"choice": "edit", "text": "you are stuuupid"})
    assert page.status_code == HTTPStatus.OK
    assert "still contains words" in page.content.decode()
    nudge.refresh_from_db()
    assert (nudge.outcome, nudge.text) == (NudgeOutcome.PENDING, "you are stuuupid")
    assert not Note.objects.exists()


def test_post_anyway_publishes_with_the_hits_recorded(entry, writer, writer_client):
    writer_client.post(note_url(entry), {"text": "what an I.D.I.O.T move lol"})
    nudge = NoteNudge.objects.get()
    writer_client.post(
        reverse("gallery:note_nudge", args=[nudge.pk]), {"choice": "post_anyway"}
    )
    note = Note.objects.get()
    assert note.nudge_outcome == NudgeOutcome.POSTED_ANYWAY
    assert note.watched_hits[0]["phrase"] == "idiot"
    assert note.state == Note.State.PUBLISHED


def test_cancel_publishes_nothing_and_is_recorded(entry, writer, writer_client):
    writer_client.post(note_url(entry), {"text": "du bist ein Trottel"})
    nudge = NoteNudge.objects.get()
    response = writer_client.post(
        reverse("gallery:note_nudge", args=[nudge.pk]), {"choice": "cancel"}
    )
    assert response["Location"].endswith(detail_url(entry) + "#notes")
    assert not Note.objects.exists()
    nudge.refresh_from_db()
    assert nudge.outcome == NudgeOutcome.CANCELLED
    # the choice is made once
    again = writer_client.post(
        reverse("gallery:note_nudge", args=[nudge.pk]), {"choice": "post_anyway"}
    )
    assert again.status_code == HTTPStatus.NOT_FOUND
    assert not Note.objects.exists()


def test_another_participants_prompt_is_not_found(entry, writer, writer_client):
    writer_client.post(note_url(entry), {"text": "you idiot"})
    nudge = NoteNudge.objects.get()
    other = Client()
    other.force_login(make_participant().user)
    url = reverse("gallery:note_nudge", args=[nudge.pk])
    assert other.get(url).status_code == HTTPStatus.NOT_FOUND
    assert other.post(url, {"choice": "post_anyway"}).status_code == (
        HTTPStatus.NOT_FOUND
    )
    assert not Note.objects.exists()


def test_a_hold_phrase_keeps_the_note_for_a_moderator(entry, writer, writer_client):
    writer_client.post(note_url(entry), {"text": "just k y s"})
    note = Note.objects.get()
    assert note.state == Note.State.HELD
    assert not NoteNudge.objects.exists()
    event = NoteEvent.objects.get()
    assert (event.from_state, event.to_state, event.role, event.reason) == (
        "",
        "held",
        "system",
        "watched_hold",
    )
    # only its writer sees it, marked as waiting
    assert shown_texts(writer_client.get(detail_url(entry))) == ["just k y s"]
    assert shown_texts(Client().get(detail_url(entry))) == []


def test_the_same_text_twice_is_refused(entry, writer, writer_client):
    writer_client.post(note_url(entry), {"text": "Lovely video!"})
    response = writer_client.post(note_url(entry), {"text": "lovely video!"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "already written this note" in response.content.decode()
    assert Note.objects.count() == 1
    # the text is kept in the form
    assert "lovely video!" in response.content.decode()


def test_control_characters_are_refused_not_dropped(entry, writer_client):
    response = writer_client.post(note_url(entry), {"text": "nice\x07 video\x1b"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "control characters" in response.content.decode()
    assert not Note.objects.exists()


def test_invisible_formatting_characters_are_cleaned(entry, writer_client):
    writer_client.post(note_url(entry), {"text": "nice\u202e video\u200b"})
    assert Note.objects.get().text == "nice video"


def test_length_is_counted_in_visible_characters(entry, writer_client, settings):
    settings.NOTES_MAX_LENGTH = 10
    family = "👨\u200d👩\u200d👧"
    writer_client.post(note_url(entry), {"text": family * 10})
    assert Note.objects.count() == 1
    response = writer_client.post(note_url(entry), {"text": "x" * 11})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "at most 10 characters" in response.content.decode()
    assert Note.objects.count() == 1


def test_an_empty_note_is_refused(entry, writer_client):
    response = writer_client.post(note_url(entry), {"text": "   "})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Write a few kind words first." in response.content.decode()


def test_writing_is_rate_limited_with_a_friendly_page(entry, writer_client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "note": "2/m/user"}
    for number in range(2):
        writer_client.post(note_url(entry), {"text": f"kind note {number}"})
    response = writer_client.post(note_url(entry), {"text": "kind note 3"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert Note.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_give_one_note():
    entry = make_entry(state=S.APPROVED)
    writer = make_participant()
    results = race([lambda: write(entry, writer, "Same words") for _ in range(2)])
    assert Note.objects.count() == 1
    assert sorted(kind for kind, _value in results) == ["error", "ok"]
