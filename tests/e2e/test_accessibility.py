"""axe-core on every public page, in four languages at phone and desktop width,
plus keyboard-only runs through the upload form and the player."""

import pytest

from tests.browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LANGUAGES = ("en", "it", "fr", "de")
WIDTHS = ("phone", "desktop")
PUBLIC = (
    "/",
    "/help/",
    "/partners/",
    "/partners/toolkit/",
    "/stories/",
    "/stories/block-the-bullies/",
    "/challenge/",
    "/challenge/rules/",
    "/gallery/",
    "/gallery/{entry}/",
    "/gallery/embed/",
    "/gallery/?wall=1",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/no-such-page/",
)
PARTICIPANT = (
    "/challenge/submit/",
    "/challenge/my-entries/",
    "/challenge/my-data/",
    "/challenge/profile/",
)


def log_in(page, base, email, password):
    page.goto(f"{base}/en/accounts/login/")
    page.fill("input[name='login']", email)
    page.fill("input[name='password']", password)
    page.locator("main button[type='submit']").first.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_no_serious_axe_violation(
    live_server, site_content, new_page, language, width
):
    from tests.challenge.factories import (
        PASSWORD,
        make_entry,
        make_participant,
        make_user,
    )

    participant = make_participant(user=make_user(), language=language)
    make_entry(participant=participant)
    base = live_server.url
    entry = site_content["entry"].pk
    found = {}

    page = new_page(width)
    for path in PUBLIC:
        url = f"{base}/{language}{path.format(entry=entry)}"
        response = page.goto(url)
        assert response.status == (404 if "no-such" in path else 200), url
        assert page.url == url
        violations = serious_violations(page)
        if violations:
            found[path] = violations

    log_in(page, base, participant.user.email, PASSWORD)
    for path in PARTICIPANT:
        page.goto(f"{base}/{language}{path}")
        assert page.url == f"{base}/{language}{path}"  # logged in, not sent away
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert found == {}


def tab_to(page, selector: str, presses: int = 40) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
    raise AssertionError(f"Tab never reached {selector}; focus is on {focused}")


def test_the_upload_form_works_with_the_keyboard_alone(
    live_server, site_content, new_page, e2e_clip
):
    from challenge.models import Entry
    from tests.challenge.factories import PASSWORD, make_participant, make_user

    participant = make_participant(user=make_user(), handle="keys_only")
    base = live_server.url
    page = new_page("desktop")
    log_in(page, base, participant.user.email, PASSWORD)
    page.goto(f"{base}/en/challenge/submit/")

    tab_to(page, "textarea[name='caption']")
    page.keyboard.type("Typed with the keyboard only #kindness")
    tab_to(page, "input[name='prompt']")
    page.keyboard.press("Space")
    assert page.locator("input[name='prompt']:checked").count() == 1
    tab_to(page, "select[name='language']")
    tab_to(page, "input[name='accept_rules']")
    page.keyboard.press("Space")
    tab_to(page, "input[name='accept_gallery']")
    page.keyboard.press("Space")
    assert page.locator("input[type='checkbox']:checked").count() == 2
    tab_to(page, "input[name='video']")
    page.locator("input[name='video']:focus").set_input_files(str(e2e_clip))
    tab_to(page, "[data-submit-button]")
    page.keyboard.press("Enter")

    page.locator("[data-upload-result]").wait_for(state="visible")
    # The result card takes the focus, so a screen reader hears the outcome.
    assert page.evaluate(
        "() => document.activeElement.matches('[data-result-heading]')"
    )
    entry = Entry.objects.get(participant=participant)
    assert entry.caption.startswith("Typed with the keyboard only")


def test_the_player_works_with_the_keyboard_alone(live_server, site_content, new_page):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/en/stories/block-the-bullies/")
    tab_to(page, "video")
    assert page.evaluate("() => document.querySelector('video').paused")
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.querySelector('video').paused")
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('video').paused")
