"""The review desk in a real Chromium: a moderator decides by keyboard only, the next
video is the one fetched while the last played, and axe finds nothing serious."""

import datetime as dt

import pytest

from tests.browser import serious_violations
from tests.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def desk_entries(transactional_db, tmp_path):
    from tests.challenge.factories import make_entry, make_participant

    minor = make_participant(age=14, country="IT", handle="luna_14")
    return [
        make_entry(
            participant=minor,
            is_minor=True,
            with_files=True,
            tmp_dir=tmp_path,
            caption="Ho aiutato un compagno #kindness",
            waited=dt.timedelta(hours=3),
        ),
        make_entry(
            with_files=True,
            tmp_dir=tmp_path,
            watched_hits=[{"phrase": "idiot"}],
            waited=dt.timedelta(hours=2),
        ),
        make_entry(with_files=True, tmp_dir=tmp_path, waited=dt.timedelta(hours=1)),
        make_entry(with_files=True, tmp_dir=tmp_path, waited=dt.timedelta(minutes=5)),
    ]


def admin_log_in(page, base, user):
    from tests.challenge.factories import PASSWORD

    page.goto(f"{base}/en/admin/login/?next=/en/admin/challenge/entry/desk/")
    page.keyboard.press("Tab")
    page.locator("#id_username").focus()
    page.keyboard.type(user.get_username())
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-desk]")


def shown(page) -> int:
    return int(page.get_attribute("[data-entry]", "data-entry"))


def press_and_wait(page, key: str, *, leaves: int | None = None):
    before = shown(page) if leaves is None else leaves
    page.keyboard.press(key)
    page.wait_for_function(
        "(before) => { const e = document.querySelector('[data-entry]');"
        " return e && Number(e.dataset.entry) !== before"
        " && !document.querySelector('[data-desk]').hasAttribute('aria-busy'); }",
        arg=before,
    )
    return shown(page)


def test_a_moderator_decides_by_keyboard_only(live_server, new_page, desk_entries):
    from challenge.models import Entry, EntryEvent
    from tests.challenge.factories import make_user

    S = Entry.State
    minor, watched, plain, newest = desk_entries
    moderator = make_user(moderator=True)
    page = new_page("desktop")
    admin_log_in(page, live_server.url, moderator)

    # The minor's entry (waited longest) first, playing muted at once.
    assert shown(page) == minor.pk
    assert "Minor, 13-15" in page.inner_text("[data-desk-swap]")
    page.wait_for_function("() => !document.querySelector('[data-desk-video]').paused")
    assert page.evaluate("() => document.querySelector('[data-desk-video]').muted")
    assert Entry.objects.get(pk=minor.pk).claimed_by == moderator

    # ? opens the key list, Esc closes it.
    page.keyboard.press("?")
    page.wait_for_function("() => document.querySelector('[data-desk-keys]').open")
    assert page.evaluate(
        "() => document.activeElement.closest('[data-desk-keys]') !== null"
    )
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('[data-desk-keys]').open")

    # The next entry's video is fetched while this one plays...
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-desk-prefetch]');"
        " return v && v.readyState >= 2; }"
    )
    prefetched = page.get_attribute("[data-desk-prefetch]", "src")
    # A approves and opens the next entry, whose video is the one fetched already.
    assert press_and_wait(page, "a") == watched.pk
    assert Entry.objects.get(pk=minor.pk).state == S.APPROVED
    assert page.get_attribute("[data-desk-video]", "src") == prefetched
    assert page.evaluate(
        "() => document.querySelector('[data-desk-video]').readyState >= 2"
    )
    assert f"Entry {minor.pk} approved." in page.inner_text("[data-desk-status]")
    # Focus is on the new entry's heading, so a screen reader reads it.
    assert page.evaluate("() => document.activeElement.matches('[data-desk-heading]')")

    # U takes it back: pending again, through a new event.
    assert press_and_wait(page, "u") == minor.pk
    assert Entry.objects.get(pk=minor.pk).state == S.PENDING_REVIEW
    assert EntryEvent.objects.filter(entry=minor, reason="undo").count() == 1

    # R then 1 rejects with the first reason.
    page.keyboard.press("r")
    assert page.evaluate(
        "() => document.activeElement.matches('[data-reason-key=\"1\"]')"
    )
    assert press_and_wait(page, "1", leaves=minor.pk) == watched.pk
    rejected = EntryEvent.objects.filter(entry=minor).latest("id")
    assert (rejected.to_state, rejected.reason) == (S.REJECTED, "bullying")

    # S skips: the entry goes back to the queue, untouched.
    assert press_and_wait(page, "s") == plain.pk
    assert Entry.objects.get(pk=watched.pk).state == S.PENDING_REVIEW
    assert Entry.objects.get(pk=watched.pk).claimed_by is None

    # K goes back through the entries seen, J forward again.
    assert press_and_wait(page, "k") == watched.pk
    assert press_and_wait(page, "j") == plain.pk

    # Letters typed in the note are text, not keys.
    page.locator("#desk-note").focus()
    page.keyboard.type("a calm note")
    assert shown(page) == plain.pk
    page.keyboard.press("Escape")
    assert press_and_wait(page, "a") == newest.pk
    decided = EntryEvent.objects.filter(entry=plain).latest("id")
    assert (decided.to_state, decided.note) == (S.APPROVED, "a calm note")

    # Without a mouse the whole time; the browser's history follows the entries.
    assert page.url.endswith(f"/desk/{newest.pk}/")
    wait_for(
        lambda: Entry.objects.filter(claimed_by=moderator).count() == 1,
        timeout=5,
        what="one claim",
    )


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_desk_and_its_pages_have_no_serious_axe_violation(
    live_server, new_page, desk_entries, width
):
    from tests.challenge.factories import make_user

    moderator = make_user(moderator=True)
    page = new_page(width)
    admin_log_in(page, live_server.url, moderator)
    found = {}
    violations = serious_violations(page)
    if violations:
        found["desk"] = violations
    page.keyboard.press("?")
    page.wait_for_function("() => document.querySelector('[data-desk-keys]').open")
    violations = serious_violations(page)
    if violations:
        found["keys"] = violations
    page.keyboard.press("Escape")
    for path in (
        "/en/admin/challenge/entry/dashboard/",
        "/en/admin/challenge/entryevent/",
    ):
        page.goto(f"{live_server.url}{path}")
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
