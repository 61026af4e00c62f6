"""Issue "safety at the edges", point 7: quick exit leaves nothing behind.

Someone looking over a child's shoulder presses Back after the quick exit: they must
not land on any page of the site, however many pages the child saw first, and
changing the country on the help page must not have added pages to the history.
The neutral site and the page before the visit are served by the test (no network).
"""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BEFORE = "https://search.example/results"
NEUTRAL = "https://www.google.com/"


def _offline_world(page) -> None:
    page.context.route(
        "https://search.example/**",
        lambda route: route.fulfill(content_type="text/html", body="<p>results</p>"),
    )
    page.context.route(
        "https://www.google.com/**",
        lambda route: route.fulfill(content_type="text/html", body="<p>search</p>"),
    )


def _history_length(page) -> int:
    return page.evaluate("() => history.length")


def _browse_then_help(page, site: str) -> None:
    page.goto(BEFORE)
    page.goto(f"{site}/en/")
    page.locator("main a[href='/en/gallery/']").first.click()  # a link, as people do
    page.wait_for_url(f"{site}/en/gallery/")
    page.goto(f"{site}/en/stories/")
    page.goto(f"{site}/en/help/")


def test_back_after_the_quick_exit_returns_to_no_page_of_the_site(
    live_server, site_content, new_page
):
    page = new_page("phone")
    _offline_world(page)
    _browse_then_help(page, live_server.url)

    before = _history_length(page)
    page.select_option("#country-select", "IT")
    page.locator(".country-form button[type=submit]").click()
    page.wait_for_function(
        "() => document.querySelector('#your-helplines').textContent.includes('Ital')"
    )
    assert _history_length(page) == before  # the country change added no page

    page.locator("[data-quick-exit]").click()
    page.wait_for_url(NEUTRAL)
    page.go_back()

    assert page.url == BEFORE
    assert "results" in page.content()


def test_escape_twice_leaves_the_same_way(live_server, site_content, new_page):
    page = new_page("desktop")
    _offline_world(page)
    _browse_then_help(page, live_server.url)
    page.reload()  # a reload keeps the page's place in the history

    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL)
    page.go_back()

    assert page.url == BEFORE


def test_a_visit_that_starts_on_the_help_page_leaves_in_one_step(
    live_server, site_content, new_page
):
    page = new_page("desktop")
    _offline_world(page)
    page.goto(BEFORE)
    page.goto(f"{live_server.url}/en/help/")

    page.locator("[data-quick-exit]").click()
    page.wait_for_url(NEUTRAL)
    page.go_back()

    assert page.url == BEFORE


def test_back_within_the_site_still_works_before_any_exit(
    live_server, site_content, new_page
):
    page = new_page("desktop")
    _offline_world(page)
    _browse_then_help(page, live_server.url)
    page.go_back()
    assert page.url == f"{live_server.url}/en/stories/"
    assert page.locator("body").is_visible()
