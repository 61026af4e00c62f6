"""Sharing in Chromium: every public page's share card (og:image, fetched and opened
with Pillow) in each language, and the share component with and without the
browser's share sheet (navigator.share), and without JavaScript."""

import io

import pytest
from django.utils import translation
from PIL import Image

from tests.browser import SCROLL_SETTLED

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "it", "fr", "de")
# path (after the language) -> what the card's title is, in that language
PAGES = {
    "": None,  # the campaign's tagline (load_campaign)
    "stories/": "The story series",
    "stories/block-the-bullies/": None,  # the episode's own title in that language
    "challenge/": None,  # "The #CreateKindness challenge"
    "challenge/rules/": "Rules and privacy",
    "gallery/": "The gallery",
    "gallery/{entry}/": None,  # "A moment by @handle"
    "help/": "You are not alone",
    "partners/": "A related programme",
    "partners/toolkit/": "Partner toolkit",
}


@pytest.fixture
def sharing_site(site_content, live_server, settings):
    # Cards are linked with SITE_URL (never the request's Host): the test server's.
    settings.SITE_URL = live_server.url
    return site_content


def _meta(page, prop: str) -> str:
    return page.locator(f'meta[property="{prop}"]').get_attribute("content")


def _expected_title(path: str, language: str, content) -> str:
    from campaign.selectors import campaign_current

    with translation.override(language):
        if path == "":
            campaign = campaign_current()
            return campaign.tagline or campaign.name
        if path.startswith("stories/block"):
            return f"Block the bullies ({language})"
        if path == "challenge/":
            return translation.gettext("The %(hashtag)s challenge") % {
                "hashtag": "#CreateKindness"
            }
        if path.startswith("gallery/{"):
            handle = content["entry"].participant.handle
            return translation.gettext("A moment by @%(handle)s") % {"handle": handle}
        return translation.gettext(PAGES[path])


def test_every_public_page_has_a_card_in_its_language(
    live_server, sharing_site, new_page, cards_drawn
):
    page = new_page("desktop")
    entry = sharing_site["entry"]
    for path in PAGES:
        images = {}
        for language in LANGUAGES:
            url = f"{live_server.url}/{language}/{path.format(entry=entry.pk)}"
            response = page.goto(url)
            assert response.status == 200, url
            image_url = _meta(page, "og:image")
            assert image_url.startswith(f"{live_server.url}/{language}/cards/"), url
            assert _meta(page, "og:image:width") == "1200"
            assert _meta(page, "og:image:height") == "630"
            assert _meta(page, "og:image:type") == "image/jpeg"
            assert _meta(page, "og:image:alt")
            assert (
                page.locator('meta[name="twitter:card"]').get_attribute("content")
                == "summary_large_image"
            )
            fetched = page.request.get(image_url)
            assert fetched.status == 200, image_url
            assert fetched.headers["content-type"] == "image/jpeg"
            image = Image.open(io.BytesIO(fetched.body()))
            assert (image.format, image.size) == ("JPEG", (1200, 630)), image_url
            images[language] = (image_url, fetched.body())
            card = cards_drawn[-1]
            assert card.language == language
            assert card.title == _expected_title(path, language, sharing_site), url
        # One card per language, each drawn with its own words.
        assert len({url for url, _ in images.values()}) == len(LANGUAGES), path
        assert len({body for _, body in images.values()}) == len(LANGUAGES), path
    # The titles really are translated (not English four times).
    titles = {
        card.language: card.title for card in cards_drawn if card.key == "stories"
    }
    assert titles["fr"] == "La série d’histoires" != titles["en"]


def test_a_taken_down_entrys_card_is_a_404(live_server, sharing_site, new_page):
    from challenge.services.moderation.decisions import entry_hide
    from tests.challenge.factories import make_user

    entry = sharing_site["entry"]
    page = new_page("phone")
    page.goto(f"{live_server.url}/en/gallery/{entry.pk}/")
    image_url = _meta(page, "og:image")
    assert f"/en/cards/entry/{entry.pk}/" in image_url
    assert page.request.get(image_url).status == 200
    entry_hide(entry_id=entry.pk, actor=make_user(moderator=True))
    assert page.request.get(image_url).status == 404


SHARED_PAGES = ["", "challenge/", "stories/block-the-bullies/", "gallery/{entry}/"]

FAKE_SHARE = """
window.__shared = [];
navigator.share = function (data) {
  window.__shared.push(data);
  return Promise.resolve();
};
"""


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_the_share_button_opens_the_share_sheet(
    live_server, sharing_site, browser, path
):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.add_init_script(FAKE_SHARE)
    page = context.new_page()
    try:
        url = f"{live_server.url}/en/{path.format(entry=sharing_site['entry'].pk)}"
        page.goto(url)
        box = page.locator("[data-share]")
        button = box.get_by_role("button", name="Share", exact=True)
        button.wait_for(state="visible")
        # The sheet has every app: the icon links step aside.
        assert box.locator("[data-share-links]").is_hidden()
        button.click()
        shared = page.evaluate("window.__shared")
        assert len(shared) == 1
        assert shared[0]["url"] == url
        assert shared[0]["title"] == box.get_attribute("data-share-text")
        assert "#CreateKindness" in shared[0]["title"]
        if "stories/" in path:
            assert "milkymichii" not in shared[0]["title"]
    finally:
        context.close()


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_without_a_share_sheet_icons_and_copy_link(
    live_server, sharing_site, browser, path
):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    page = context.new_page()
    try:
        url = f"{live_server.url}/en/{path.format(entry=sharing_site['entry'].pk)}"
        page.goto(url)
        assert page.evaluate("typeof navigator.share") == "undefined"
        box = page.locator("[data-share]")
        assert box.get_by_role("button", name="Share", exact=True).is_hidden()
        for label in ("Share on WhatsApp", "Share on Telegram", "Share by email"):
            assert box.get_by_role("link", name=label).is_visible()
        copy = box.get_by_role("button", name="Copy link")
        copy.click()
        status = box.locator("[data-share-status]")
        status.wait_for(state="visible")
        assert status.text_content() == "Link copied."
        assert page.evaluate("navigator.clipboard.readText()") == url
    finally:
        context.close()


def test_without_javascript_the_links_and_the_address_stay(
    live_server, sharing_site, browser
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        url = f"{live_server.url}/fr/challenge/"
        page.goto(url)
        box = page.locator("[data-share]")
        assert box.locator("a.share-icon").count() == 5
        assert box.locator("a.share-icon").first.is_visible()
        assert box.locator("[data-share-native]").is_hidden()
        assert box.locator("[data-share-copy]").is_hidden()
        assert box.locator("input[data-share-address]").input_value() == url
    finally:
        context.close()


def test_an_entry_in_the_phone_feed_opens_the_share_sheet(
    live_server, sharing_site, browser
):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.add_init_script(FAKE_SHARE)
    page = context.new_page()
    try:
        entry = sharing_site["entry"]
        page.goto(f"{live_server.url}/en/gallery/")
        article = page.get_by_role("article", name=f"@{entry.participant.handle}")
        # The feed snaps each entry to the screen: tap once it has settled there.
        article.scroll_into_view_if_needed()
        page.evaluate(SCROLL_SETTLED)
        article.locator("[data-share-sheet]").click()
        shared = page.evaluate("window.__shared")
        assert [item["url"] for item in shared] == [
            f"{live_server.url}/en/gallery/{entry.pk}/"
        ]
        assert shared[0]["title"].startswith(
            f"A moment of kindness by @{entry.participant.handle}"
        )
        assert page.url == f"{live_server.url}/en/gallery/"  # the sheet, not the link
    finally:
        context.close()
