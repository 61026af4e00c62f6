"""Notes follow their entry, show at once after a change (whatever the gallery's
caches), page by keyset, and cost the same number of queries for 0 or 1,000."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from challenge.management.commands.notes_seed import seed_notes
from challenge.models import Entry, Note
from challenge.selectors.gallery import public_entries
from challenge.services.moderation.decisions import entry_hide, entry_restore
from challenge.services.notes.moderators import note_moderate
from challenge.services.notes.removal import notes_remove
from challenge.services.notes.reports import NoteReportRefused, note_report_create
from challenge.services.submission import entry_withdraw
from tests.challenge.factories import make_entry, make_participant

from .helpers import detail_url, shown_texts, write

pytestmark = pytest.mark.django_db
S = Entry.State


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.GALLERY_CACHE_SECONDS = 300


def test_a_new_note_shows_at_once_on_a_cached_page(committed):
    entry = make_entry(state=S.APPROVED)
    first = Client().get(detail_url(entry))
    assert shown_texts(first) == []
    assert first.context is not None  # built, then cached
    assert Client().get(detail_url(entry)).context is None  # served from the cache
    with committed():
        write(entry, make_participant(), "fresh kind words")
    assert shown_texts(Client().get(detail_url(entry))) == ["fresh kind words"]


def test_a_removed_note_never_comes_back_from_the_cache(committed, moderator):
    owner = make_participant()
    entry = make_entry(state=S.APPROVED, participant=owner)
    with committed():
        notes = [write(entry, make_participant(), f"note {n}").note for n in range(2)]
    assert len(shown_texts(Client().get(detail_url(entry)))) == 2
    with committed():
        notes_remove(owner=owner, note_ids=[notes[0].pk])
    assert shown_texts(Client().get(detail_url(entry))) == ["note 1"]
    with committed():
        note_moderate(note_id=notes[1].pk, actor=moderator, remove=True, reason="x")
    assert shown_texts(Client().get(detail_url(entry))) == []


def test_notes_disappear_with_a_hidden_entry_and_come_back_with_it(
    committed, moderator
):
    entry = make_entry(state=S.APPROVED)
    with committed():
        note = write(entry, make_participant(), "kind").note
    with committed():
        entry_hide(entry_id=entry.pk, actor=moderator)
    assert Client().get(detail_url(entry)).status_code == HTTPStatus.NOT_FOUND
    assert public_entries().filter(pk=entry.pk).count() == 0
    with pytest.raises(NoteReportRefused):
        note_report_create(note_id=note.pk, user=moderator, reason="spam")
    with committed():
        entry_restore(entry_id=entry.pk, actor=moderator)
    assert shown_texts(Client().get(detail_url(entry))) == ["kind"]


def test_notes_disappear_with_a_withdrawn_entry(committed):
    entry = make_entry(state=S.APPROVED)
    writer = make_participant()
    with committed():
        write(entry, writer, "kind")
    with committed():
        entry_withdraw(entry=entry, actor=entry.participant.user)
    assert Client().get(detail_url(entry)).status_code == HTTPStatus.NOT_FOUND
    client = Client()
    client.force_login(writer.user)
    response = client.post(
        reverse("gallery:note_create", args=[entry.pk]), {"text": "more"}
    )
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_notes_page_by_keyset_without_duplicates_or_gaps(settings, committed):
    settings.NOTES_PAGE_SIZE = 7
    entry = make_entry(state=S.APPROVED)
    seed_notes(count=20, entry=entry, writers=3)
    client = Client()
    seen: list[str] = []
    url = detail_url(entry)
    while True:
        response = client.get(url)
        page = response.context["notes_page"] if response.context else None
        texts = shown_texts(response)
        seen += texts
        if page is None or page.next_cursor is None:
            break
        url = detail_url(entry) + "?notes_after=" + page.next_cursor
        # a note written meanwhile lands on top, never shifting later pages
        with committed():
            write(entry, make_participant(), f"new while paging {len(seen)}")
    assert len(seen) == 20
    assert len(set(seen)) == 20
    assert seen == [f"{t} #{n}" for n, t in reversed(list(_texts(20)))]


def _texts(count):
    from challenge.management.commands.notes_seed import TEXTS

    for number in range(count):
        yield number, TEXTS[number % len(TEXTS)]


def test_a_forged_cursor_starts_from_the_newest(settings):
    settings.NOTES_PAGE_SIZE = 5
    entry = make_entry(state=S.APPROVED)
    seed_notes(count=6, entry=entry, writers=2)
    response = Client().get(detail_url(entry) + "?notes_after=forged")
    assert len(shown_texts(response)) == 5
    assert shown_texts(response)[0].endswith("#5")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_entry_page_with_1000_notes_runs_the_same_queries_as_with_none(
    signed_in, settings
):
    settings.GALLERY_CACHE_SECONDS = 0
    empty = make_entry(state=S.APPROVED)
    full = make_entry(state=S.APPROVED)
    seed_notes(count=1000, entry=full)
    assert Note.objects.filter(entry=full).count() == 1000
    client = Client()
    if signed_in:
        client.force_login(make_participant().user)
    _queries(client, detail_url(empty))  # warm sessions and caches alike
    assert _queries(client, detail_url(full)) == _queries(client, detail_url(empty))
    assert len(shown_texts(client.get(detail_url(full)))) == settings.NOTES_PAGE_SIZE
