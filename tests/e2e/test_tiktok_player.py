"""A TikTok entry in Chromium: nothing goes to TikTok until the visitor presses play;
then only the Embed Player's frame, and never the legacy embed script."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.browser import screenshot, serious_violations
from tests.tiktok_server import fake_tiktok  # noqa: F401

pytestmark = pytest.mark.browser

POST = "7300000000000000001"


def _is_tiktok(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "tiktok.com" or host.endswith((".tiktok.com", ".tiktokcdn.com"))


@pytest.fixture
def tiktok_entry_live(transactional_db, fake_tiktok):  # noqa: F811
    from campaign.models import Campaign
    from tests.challenge.tiktok.helpers import tiktok_entry

    now = timezone.now()
    Campaign.objects.create(
        name="#CreateKindness",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
    )
    from challenge.services.tiktok import curated_tiktok_add
    from tests.challenge.factories import make_user
    from tests.tiktok_server import FakePost

    fake_tiktok[0].posts["7300000000000000077"] = FakePost(
        handle="recokh", title="Why Would You #CreateKindness"
    )
    curated_tiktok_add(
        link="https://www.tiktok.com/@recokh/video/7300000000000000077",
        actor=make_user(moderator=True),
    )
    return tiktok_entry(fake_tiktok[0])


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_nothing_reaches_tiktok_before_play_is_pressed(
    live_server, tiktok_entry_live, new_page, width
):
    page = new_page(width)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    # No network here: TikTok's player is answered by a stand-in page.
    page.context.route(
        "https://www.tiktok.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<p>TikTok player</p>"
        ),
    )
    page.goto(f"{live_server.url}/en/gallery/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".poster-from-tiktok").count() == 1
    assert page.locator(".curated-card [data-tiktok-play]").is_visible()
    screenshot(page, f"tiktok-gallery-{width}")
    page.goto(f"{live_server.url}{tiktok_entry_live.get_absolute_url()}")
    page.wait_for_load_state("networkidle")
    button = page.locator("[data-tiktok-play]")
    assert button.is_visible()
    assert page.locator("iframe").count() == 0
    assert [url for url in requests if _is_tiktok(url)] == []
    screenshot(page, f"tiktok-entry-{width}")
    assert serious_violations(page) == []

    button.click()
    frame = page.locator("[data-tiktok-player] iframe")
    frame.wait_for()
    assert frame.get_attribute("src").startswith(
        f"https://www.tiktok.com/player/v1/{POST}?"
    )
    page.wait_for_load_state("networkidle")
    tiktok_requests = [url for url in requests if _is_tiktok(url)]
    assert tiktok_requests and all(
        urlsplit(url).path == f"/player/v1/{POST}" for url in tiktok_requests
    )
    assert not any("embed.js" in url for url in requests)
    screenshot(page, f"tiktok-entry-{width}-playing")


def test_the_add_page_reads_well(live_server, transactional_db, new_page, fake_tiktok):  # noqa: F811
    from campaign.models import Campaign
    from challenge.services.tiktok import tiktok_claim_start
    from tests.challenge.factories import PASSWORD, make_participant

    now = timezone.now()
    Campaign.objects.create(
        name="#CreateKindness",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
    )
    participant = make_participant()
    tiktok_claim_start(participant=participant, handle="kindkid")
    for width in ("desktop", "phone"):
        page = new_page(width)
        page.goto(f"{live_server.url}/en/accounts/login/")
        page.fill("input[name=login]", participant.user.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form [type=submit]").last.click()
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/en/challenge/submit/tiktok/")
        assert page.locator("[data-tiktok-code] code").is_visible()
        screenshot(page, f"tiktok-add-{width}")
        assert serious_violations(page) == []


def test_a_moderator_plays_a_tiktok_entry_in_the_desk_on_a_press(
    live_server,
    transactional_db,
    new_page,
    fake_tiktok,  # noqa: F811
):
    from campaign.models import Campaign
    from tests.challenge.factories import make_user
    from tests.challenge.tiktok.helpers import tiktok_entry
    from tests.e2e.test_desk import admin_log_in

    now = timezone.now()
    Campaign.objects.create(
        name="#CreateKindness",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
    )
    entry = tiktok_entry(fake_tiktok[0], approve=False)
    page = new_page("desktop")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.context.route(
        "https://www.tiktok.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<p>player</p>"
        ),
    )
    admin_log_in(page, live_server.url, make_user(moderator=True))
    assert int(page.get_attribute("[data-entry]", "data-entry")) == entry.pk
    page.wait_for_load_state("networkidle")
    assert [url for url in requests if _is_tiktok(url)] == []
    screenshot(page, "tiktok-desk")
    page.locator("[data-tiktok-play]").click()
    page.locator("[data-tiktok-player] iframe").wait_for()
    assert any(_is_tiktok(url) for url in requests)
