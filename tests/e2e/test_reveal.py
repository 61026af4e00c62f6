"""The creator's reveal in Chromium: the episode page names nobody before the end
(visible text, title, card tags, image alternatives), the end-screen names them and
is stacked on a phone, the folded credit stays without JavaScript; and at 1,366 px
the episode page leaves no empty column beside the player."""

import pytest

from tests.browser import serious_violations, video_seek_to_end

pytestmark = pytest.mark.browser

HANDLE = "milkymichii"  # site_content's episode, "@milkymichii"
EPISODE = "/en/stories/block-the-bullies/"

WHAT_THE_PAGE_SAYS = """() => ({
  text: document.body.innerText,
  title: document.title,
  tags: Array.from(document.querySelectorAll(
    'meta[property^="og:"], meta[name^="twitter:"], meta[name="description"]'),
    m => m.getAttribute('content')).join(' | '),
  alts: Array.from(document.images, i => i.alt).join(' | '),
  labels: Array.from(document.querySelectorAll('[aria-label]'),
    e => e.getAttribute('aria-label')).join(' | '),
})"""


def play_to_the_end(page):
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " return v.play(); }"
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return !v.paused && v.currentTime > 0; }"
    )
    video_seek_to_end(page)
    page.wait_for_function(
        "() => document.getElementById('creator-reveal')"
        ".classList.contains('is-end-screen')"
    )


def page_at(new_page, live_server, width):
    page = new_page(width)
    if width == "desktop":
        page.set_viewport_size({"width": 1366, "height": 768})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + EPISODE)
    page.wait_for_load_state("load")
    return page, errors


@pytest.mark.parametrize("is_demo", [False, True])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_creator_is_named_only_when_the_episode_ends(
    live_server, site_content, new_page, width, is_demo
):
    from stories.models import Episode

    Episode.objects.filter(pk=site_content["episode"].pk).update(is_demo=is_demo)
    page, errors = page_at(new_page, live_server, width)
    said = page.evaluate(WHAT_THE_PAGE_SAYS)
    for where, text in said.items():
        assert HANDLE not in text.lower(), where
    assert page.locator("[data-demo-notice]").count() == int(is_demo)
    # The credit is there, folded, and says where it will come.
    assert page.locator(".creator-reveal-summary").is_visible()
    assert page.locator(".creator-handle").is_hidden()

    play_to_the_end(page)
    assert page.locator(".creator-handle").is_visible()
    assert "@" + HANDLE in page.evaluate("() => document.body.innerText")
    card = page.locator("#creator-reveal")
    assert page.evaluate(
        "() => !!document.getElementById('creator-reveal').closest('[data-player]')"
    )
    assert "@" + HANDLE in card.inner_text()
    assert page.locator("[data-reveal-replay]").is_visible()
    assert serious_violations(page) == []
    assert errors == []


def test_the_phone_end_screen_is_stacked(live_server, site_content, new_page):
    page, errors = page_at(new_page, live_server, "phone")
    play_to_the_end(page)
    boxes = page.evaluate(
        """() => {
          const box = s => {
            const r = document.querySelector(s).getBoundingClientRect();
            return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                    width: r.width};
          };
          return {player: box('[data-player]'), card: box('#creator-reveal'),
                  avatar: box('#creator-reveal .creator-avatar'),
                  text: box('#creator-reveal .creator-reveal-text'),
                  handle: box('#creator-reveal .creator-handle')};
        }"""
    )
    avatar, text, card = boxes["avatar"], boxes["text"], boxes["card"]
    # One above the other, not side by side: the text has the card's width.
    assert avatar["bottom"] <= text["top"] + 1
    assert text["width"] >= card["width"] * 0.8
    # The end-screen lies over the player, inside the phone's width.
    assert boxes["player"]["left"] <= card["left"] < card["right"]
    assert card["right"] <= boxes["player"]["right"] <= 390
    assert boxes["handle"]["right"] <= card["right"]
    assert errors == []


def test_without_javascript_the_folded_credit_stays(live_server, site_content, browser):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + EPISODE)
        assert HANDLE not in page.locator("body").inner_text()
        summary = page.locator(".creator-reveal-summary")
        assert summary.is_visible()
        # Below the player, and one press away.
        player = page.locator("[data-player]").bounding_box()
        assert summary.bounding_box()["y"] > player["y"] + player["height"]
        summary.click()
        assert page.locator(".creator-handle").is_visible()
        assert "@" + HANDLE in page.locator("body").inner_text()
    finally:
        context.close()


def test_at_1366_the_episode_page_has_no_empty_column(
    live_server, site_content, new_page
):
    page, errors = page_at(new_page, live_server, "desktop")
    layout = page.evaluate(
        """() => {
          const media = document.querySelector('.episode-media').getBoundingClientRect();
          const article = document.querySelector('article.episode').getBoundingClientRect();
          const beside = [];
          for (const el of document.querySelectorAll('article.episode *')) {
            if (el.closest('.episode-media') || !el.offsetParent) continue;
            const r = el.getBoundingClientRect();
            if (r.left >= media.right - 1 && r.height > 0
                && r.top < media.bottom && r.bottom > media.top)
              beside.push([Math.max(r.top, media.top), Math.min(r.bottom, media.bottom),
                           r.left, r.right]);
          }
          return {media: [media.top, media.bottom, media.left, media.right],
                  article: [article.left, article.right], beside};
        }"""
    )
    top, bottom, left, right = layout["media"]
    assert bottom - top > 400  # the player is a tall 9:16 column
    # The right side: as wide as the player at least, and filled from the
    # player's top to its bottom (gaps between cards aside).
    assert layout["article"][1] - right >= right - left
    covered, reached = 0.0, top
    for start, end, _left, _right in sorted(layout["beside"]):
        if end > reached:
            covered += end - max(start, reached)
            reached = end
    assert covered >= 0.8 * (bottom - top), (covered, bottom - top)
    assert errors == []
