"""Kind notes in Chromium, against a live server: a participant writes a mean note,
is prompted and edits it; the owner removes three notes at once and blocks a
writer; the blocked writer can no longer post; a moderator sees the log."""

import re

import pytest

from challenge.models import Entry, Note, NoteBlock, NoteEvent, WatchedWord
from challenge.services.notes.writing import note_submit
from tests.browser import screenshot
from tests.challenge.factories import PASSWORD, make_entry, make_participant, make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(page, base, email):
    page.goto(f"{base}/en/accounts/login/")
    page.fill("input[name='login']", email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("main button[type='submit']").first.click()
    page.wait_for_load_state()


def test_notes_journey(live_server, transactional_db, new_page):
    base = live_server.url
    # An earlier transactional test may have flushed the seeded watched words.
    WatchedWord.objects.get_or_create(phrase="idiot", language="en")
    owner = make_participant(handle="owner_e2e")
    entry = make_entry(state=Entry.State.APPROVED, participant=owner)
    writer = make_participant(handle="writer_e2e")
    pest = make_participant(handle="pest_e2e")
    for number in range(2):
        note_submit(
            entry_id=entry.pk,
            participant=make_participant(handle=f"other_e2e_{number}"),
            text=f"Lovely moment number {number}",
        )
    note_submit(entry_id=entry.pk, participant=pest, text="boring video tbh")
    entry_url = f"{base}/en/gallery/{entry.pk}/"

    # 1. A mean note is prompted, then edited and published.
    page = new_page("phone")
    log_in(page, base, writer.user.email)
    page.goto(entry_url + "#notes")
    page.fill("#note_text", "you are such an idiot")
    page.locator("#notes button[type='submit']").click()
    page.wait_for_url(re.compile(r"/gallery/notes/check/\d+/$"))
    assert "Think before you post" in page.inner_text("main")
    screenshot(page, "notes-nudge-phone")
    page.fill("#note_text", "you are such a star")
    page.locator("button[value='edit']").click()
    page.wait_for_url(re.compile(rf"/gallery/{entry.pk}/"))
    assert "you are such a star" in page.inner_text("#notes")
    assert "idiot" not in page.inner_text("#notes")
    assert Note.objects.get(author=writer).nudge_outcome == "edited"

    # 2. The owner removes three notes at once and blocks a writer.
    owner_page = new_page("desktop")
    log_in(owner_page, base, owner.user.email)
    owner_page.goto(f"{base}/en/challenge/entries/{entry.pk}/notes/")
    boxes = owner_page.locator("#notes-remove input[type='checkbox']")
    assert boxes.count() == 4
    labels = owner_page.locator("#notes-remove li")
    for index in range(labels.count()):
        if "pest_e2e" not in labels.nth(index).inner_text():
            labels.nth(index).locator("input[type='checkbox']").check()
    screenshot(owner_page, "notes-manage-desktop")
    owner_page.locator("#notes-remove button[type='submit']").click()
    owner_page.wait_for_load_state()
    assert "3 notes were removed." in owner_page.inner_text("main")
    owner_page.goto(entry_url + "#notes")
    owner_page.locator("button", has_text="Block @pest_e2e").click()
    owner_page.wait_for_load_state()
    assert "@pest_e2e can no longer write notes" in owner_page.inner_text("main")
    assert NoteBlock.objects.filter(owner=owner, blocked=pest.user).exists()

    # 3. The blocked writer can no longer post (and is told nothing about a block).
    pest_page = new_page("phone")
    log_in(pest_page, base, pest.user.email)
    pest_page.goto(entry_url + "#notes")
    notes_text = pest_page.inner_text("#notes")
    assert "Notes are closed on this entry." in notes_text
    assert pest_page.locator("#note_text").count() == 0
    assert "block" not in notes_text.lower()
    screenshot(pest_page, "notes-blocked-phone")
    assert Note.objects.filter(author=pest).count() == 1

    # 4. A moderator sees the log.
    moderator = make_user(moderator=True)
    moderator.set_password(PASSWORD)
    moderator.save()
    admin = new_page("desktop")
    admin.goto(f"{base}/en/admin/login/")
    admin.fill("input[name='username']", moderator.username)
    admin.fill("input[name='password']", PASSWORD)
    admin.locator("input[type='submit'], button[type='submit']").first.click()
    admin.wait_for_url(re.compile(r"/en/admin/$"))
    admin.goto(f"{base}/en/admin/challenge/noteevent/")
    log = admin.inner_text("#result_list")
    assert log.count("Removed") == 3
    assert "The entry's owner" in log
    screenshot(admin, "notes-log-desktop")
    assert NoteEvent.objects.filter(to_state="removed", role="owner").count() == 3


def test_a_note_gets_the_prompt_while_it_is_typed(
    live_server, transactional_db, new_page
):
    """The captions' check and script (static/js/nudge.js) under the note field: a
    pause in typing shows the watched words, kind words hide them again; nothing is
    posted or stored meanwhile."""
    base = live_server.url
    WatchedWord.objects.get_or_create(phrase="idiot", language="en")
    entry = make_entry(state=Entry.State.APPROVED)
    writer = make_participant(handle="typist_e2e")
    page = new_page("phone")
    log_in(page, base, writer.user.email)
    page.goto(f"{base}/en/gallery/{entry.pk}/#notes")
    box = "#notes [data-caption-nudge]"
    page.wait_for_selector(box, state="attached")
    page.locator("#note_text").press_sequentially("what an idiot", delay=20)
    page.wait_for_selector(f"{box}:not([hidden])")
    assert "“idiot”" in page.inner_text(box)
    assert page.locator(box).get_attribute("role") == "status"
    page.fill("#note_text", "what a star")
    page.locator("#note_text").press("End")
    page.locator("#note_text").type("!")
    page.wait_for_selector(f"{box}[hidden]", state="attached")
    assert not Note.objects.exists()
