"""Phone first: the header and the banner leave the screen to the content, the menu
works with a keyboard, a screen reader and without JavaScript, and no public page
scrolls sideways on a 320 px phone."""

import pytest

from tests.e2e.test_accessibility import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LANGUAGES = ("en", "it", "fr", "de")
# The browser's language decides the country, and so the banner's helplines.
LOCALES = {"en": "en-GB", "it": "it-IT", "fr": "fr-FR", "de": "de-DE"}
PHONE = {"width": 390, "height": 844}
SMALLEST = {"width": 320, "height": 640}
HEADER_BUDGET = 0.15 * PHONE["height"]  # 126.6 px: header and banner together
PUBLIC = (
    "/",
    "/stories/",
    "/stories/block-the-bullies/",
    "/help/",
    "/partners/",
    "/partners/toolkit/",
    "/challenge/",
    "/challenge/rules/",
    "/gallery/",
    "/gallery/{entry}/",
    "/gallery/embed/",
    "/gallery/?wall=1",
    "/about/who-runs-this/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/no-such-page/",
)
PARTICIPANT = ("/challenge/submit/", "/challenge/my-entries/", "/challenge/my-data/")
# Where the content starts: everything above it is header and banner.
CONTENT_TOP = (
    "() => Math.round(document.querySelector('main').getBoundingClientRect().top"
    " + window.scrollY)"
)
SCROLL_WIDTH = "() => document.documentElement.scrollWidth"


def phone(browser, viewport=PHONE, locale="en-GB", javascript=True):
    context = browser.new_context(
        viewport=viewport,
        locale=locale,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )
    context.set_default_timeout(15_000)
    return context


def participant_for(language):
    from tests.challenge.factories import make_participant, make_user

    return make_participant(user=make_user(), language=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_public_page_scrolls_sideways_at_320_px(
    live_server, site_content, browser, language
):
    from tests.challenge.factories import PASSWORD

    participant = participant_for(language)
    context = phone(browser, SMALLEST, LOCALES[language])
    page = context.new_page()
    base, entry = live_server.url, site_content["entry"].pk
    too_wide = {}
    for path in PUBLIC:
        page.goto(f"{base}/{language}{path.format(entry=entry)}")
        width = page.evaluate(SCROLL_WIDTH)
        if width > SMALLEST["width"]:
            too_wide[path] = width
    # The menu, open, fits too.
    page.goto(f"{base}/{language}/")
    page.click("[aria-controls='site-menu']")
    if page.evaluate(SCROLL_WIDTH) > SMALLEST["width"]:
        too_wide["/ (menu open)"] = page.evaluate(SCROLL_WIDTH)
    log_in(page, base, participant.user.email, PASSWORD)
    for path in PARTICIPANT:
        page.goto(f"{base}/{language}{path}")
        width = page.evaluate(SCROLL_WIDTH)
        if width > SMALLEST["width"]:
            too_wide[path] = width
    context.close()
    assert too_wide == {}


@pytest.mark.parametrize("signed_in", (False, True), ids=("visitor", "signed-in"))
@pytest.mark.parametrize("language", LANGUAGES)
def test_header_and_banner_take_at_most_15_percent_of_a_phone_screen(
    live_server, site_content, browser, language, signed_in
):
    from tests.challenge.factories import PASSWORD

    context = phone(browser, PHONE, LOCALES[language])
    base = live_server.url
    first = context.new_page()
    if signed_in:  # signing in is the start of the first visit
        participant = participant_for(language)
        log_in(first, base, participant.user.email, PASSWORD)
    first.goto(f"{base}/{language}/")
    first.evaluate("() => document.fonts.ready")
    first_visit = first.evaluate(CONTENT_TOP)
    assert not first.evaluate(
        "() => document.documentElement.classList.contains('kh-banner-short')"
    )
    # Another tab later: the banner is down to one line.
    later = context.new_page()
    later.goto(f"{base}/{language}/")
    later.evaluate("() => document.fonts.ready")
    later_visit = later.evaluate(CONTENT_TOP)
    banner = later.locator("#awareness-banner").bounding_box()
    context.close()
    assert first_visit <= HEADER_BUDGET, f"first visit: {first_visit} px"
    assert later_visit <= HEADER_BUDGET, f"later visit: {later_visit} px"
    assert banner["height"] <= 40, "the banner is one line after the first visit"


def test_the_phone_menu_is_a_disclosure_for_keyboard_and_screen_reader(
    live_server, site_content, browser
):
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/help/")
    toggle = page.locator("button[aria-controls='site-menu']")
    menu = page.locator("#site-menu")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()

    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("navigation", name="Main").is_visible()
    page.keyboard.press("Tab")  # into the menu, right after its button
    assert page.evaluate("() => document.activeElement.closest('#site-menu') !== null")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    assert page.evaluate("() => document.activeElement.matches('[aria-controls]')")
    # That Escape closed the menu: a second one does not count as the quick exit's
    # double Escape (the visitor is still here).
    page.keyboard.press("Escape")
    assert page.url.endswith("/en/help/")

    toggle.click()
    page.mouse.click(195, 820)  # a tap outside the menu closes it
    assert toggle.get_attribute("aria-expanded") == "false"
    context.close()


def test_the_phone_menu_opens_without_javascript(live_server, site_content, browser):
    context = phone(browser, javascript=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/de/")
    menu = page.locator("#site-menu")
    assert not menu.is_visible()
    page.click("a[href='#site-menu']")
    assert menu.is_visible()
    assert page.evaluate("() => window.scrollY") == 0  # no jump down the page
    page.locator("#site-menu a[href$='/stories/']").click()
    assert page.url.endswith("/de/stories/")
    page.goto(f"{live_server.url}/de/#site-menu")
    page.locator("#site-menu .menu-close").click()
    assert not menu.is_visible()
    context.close()


def test_the_desktop_shows_the_whole_navigation_in_one_row(
    live_server, site_content, new_page
):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/de/")
    assert not page.locator("[aria-controls='site-menu']").is_visible()
    links = page.locator(".main-nav a, .account-nav a")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert max(tops) - min(tops) <= 4, tops  # one row


def test_the_quick_exit_stays_in_reach_on_a_phone(live_server, site_content, browser):
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/help/")
    quick_exit = page.locator("[data-quick-exit]")
    box = quick_exit.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] / 4
    page.evaluate("() => window.scrollTo(0, 2000)")
    assert page.evaluate("() => window.scrollY") > 500
    box = quick_exit.bounding_box()
    assert 0 <= box["y"] <= 60, box  # stuck to the top of the screen
    context.close()
