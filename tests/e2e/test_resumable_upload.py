"""Uploading from a phone in Chromium: the connection drops and the upload resumes,
a reloaded page continues the same upload, the clip is previewed (and refused when
too long or too large) before any byte is sent, and a clip recorded with a (fake)
camera goes through the same upload into the pipeline.

Tasks run eagerly in the live server's thread (no worker needed). Screenshots at
390 px land in tests/e2e/screenshots/.
"""

import hashlib
import re
from pathlib import Path

import pytest

from tests.browser import CHROMIUM_ARGS, PHONE, SCREENSHOTS, screenshot
from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PIECE = 8 * 1024


@pytest.fixture
def upload_setup(transactional_db, settings, tmp_path):
    """A live campaign, small pieces (so a clip is several PATCHes), a participant."""
    from campaign.demo import load_campaign
    from tests.challenge.factories import make_participant

    settings.RESUMABLE_UPLOAD_DIR = tmp_path / "uploads"
    settings.RESUMABLE_UPLOAD_CHUNK_BYTES = PIECE
    load_campaign()
    return make_participant(handle="phone_kind")


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    from videos.clips import make_clip

    folder = tmp_path_factory.mktemp("resumable-clips")
    return make_clip(folder / "kind.mp4", seconds=2, width=160, height=288, fps=12)


def signed_in(new_page, live_server, participant, width="phone"):
    from django.test import Client

    client = Client()
    client.force_login(participant.user)
    page = new_page(width)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def fill(page, *, caption="My friend sat with me at lunch #kindness"):
    page.fill("textarea[name='caption']", caption)
    page.locator("input[name='prompt']").first.check()
    page.check("input[name='accept_rules']")
    page.check("input[name='accept_gallery']")


def page_errors(page) -> list[str]:
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def view(page, selector: str, name: str):
    """What the phone's screen shows around `selector` (for the README)."""
    page.evaluate(
        "(selector) => document.querySelector(selector).scrollIntoView({block: 'end'})",
        selector,
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_dropped_connection_resumes_and_the_server_has_the_right_bytes(
    live_server, upload_setup, new_page, clip
):
    from challenge.models import Entry, ResumableUpload
    from videos.resumable import part_path

    page = signed_in(new_page, live_server, upload_setup)
    errors = page_errors(page)
    pieces, dropped, assembled = [], [], []

    def on_piece(route, request):
        if request.method == "PATCH":
            pieces.append(int(request.headers["upload-offset"]))
            if len(pieces) == 3 and not dropped:
                dropped.append(pieces[-1])
                route.abort("connectionreset")  # the phone loses its signal
                return
        route.continue_()

    def on_form(route, request):
        # The upload is complete: hash what the server assembled, before the form
        # turns it into an entry.
        if request.method == "POST":
            upload = ResumableUpload.objects.get(participant=upload_setup)
            assert upload.is_complete
            assembled.append(sha256(part_path(upload.pk).read_bytes()))
        route.continue_()

    page.route(re.compile(r"/challenge/submit/uploads/[0-9a-f-]+/$"), on_piece)
    page.route(re.compile(r"/challenge/submit/$"), on_form)
    page.goto(f"{live_server.url}/en/challenge/submit/")
    fill(page)
    page.set_input_files("input[name='video']", str(clip))
    page.locator("[data-preview-facts]").wait_for(state="visible")
    page.click("[data-submit-button]")
    page.locator("[data-upload-result]").wait_for(state="visible", timeout=60_000)

    size = clip.stat().st_size
    assert dropped, pieces
    # The dropped piece was sent again from the offset the server confirmed, and
    # every piece went once otherwise.
    assert pieces.count(dropped[0]) == 2, pieces
    assert sorted(set(pieces)) == list(range(0, size, PIECE)), pieces
    assert assembled == [sha256(clip.read_bytes())]
    entry = Entry.objects.get(participant=upload_setup)
    assert entry.video.source_size == size or entry.video.output
    assert not ResumableUpload.objects.exists()
    assert errors == []


def test_a_reloaded_page_continues_the_same_upload(
    live_server, upload_setup, new_page, clip
):
    from challenge.models import Entry

    page = signed_in(new_page, live_server, upload_setup)
    created, offsets = [], []
    state = {"offline": False, "reloaded": False}

    def on_request(route, request):
        if request.method == "POST" and request.url.endswith("/submit/uploads/"):
            created.append(request.url)
        if request.method == "PATCH":
            if state["offline"]:
                route.abort("internetdisconnected")
                return
            offsets.append(int(request.headers["upload-offset"]))
            if len(offsets) == 2 and not state["reloaded"]:
                state["offline"] = True  # the signal goes, the person reloads
        route.continue_()

    page.route(re.compile(r"/challenge/submit/uploads/"), on_request)
    page.goto(f"{live_server.url}/en/challenge/submit/")
    fill(page)
    page.set_input_files("input[name='video']", str(clip))
    page.click("[data-submit-button]")
    for _ in range(300):  # route handlers run while Playwright waits
        if state["offline"]:
            break
        page.wait_for_timeout(100)
    assert state["offline"], offsets
    page.wait_for_timeout(300)

    state.update(offline=False, reloaded=True)
    before = list(offsets)
    offsets.clear()
    page.reload()
    page.evaluate(
        """() => {
          window.__status = "";
          const status = document.querySelector('[data-upload-status]');
          new MutationObserver(() => { window.__status += status.textContent + "|"; })
            .observe(status, {childList: true, characterData: true, subtree: true});
        }"""
    )
    fill(page)
    page.set_input_files("input[name='video']", str(clip))
    page.click("[data-submit-button]")
    page.locator("[data-upload-result]").wait_for(state="visible", timeout=60_000)

    assert len(created) == 1, created  # no second upload was started
    assert offsets and offsets[0] > 0, (before, offsets)
    assert offsets[0] == before[-1] + PIECE, (before, offsets)
    assert "Continuing your earlier upload" in page.evaluate("() => window.__status")
    assert Entry.objects.filter(participant=upload_setup).count() == 1


def test_preview_shows_length_and_size_and_refuses_a_too_long_clip_before_sending(
    live_server, upload_setup, new_page, clip, settings
):
    settings.VIDEO_MAX_DURATION_SECONDS = 1
    page = signed_in(new_page, live_server, upload_setup)
    errors = page_errors(page)
    sent = []
    # Only the caption's kindness check may go out (advice, no video in it).
    page.on(
        "request",
        lambda request: (
            sent.append(request.url)
            if request.method != "GET" and "caption-check" not in request.url
            else None
        ),
    )
    page.goto(f"{live_server.url}/en/challenge/submit/")
    fill(page)
    page.set_input_files("input[name='video']", str(clip))
    facts = page.locator("[data-preview-facts]")
    facts.wait_for(state="visible")
    page.wait_for_function(
        "() => /Length 0:02/.test(document.querySelector('[data-preview-facts]')"
        ".textContent)"
    )
    problem = page.locator("[data-preview-problem]")
    problem.wait_for(state="visible")
    assert "longer than 1 minute" in problem.inner_text()
    page.click("[data-submit-button]")
    assert "longer than" in page.locator("[data-errors-for='video']").inner_text()
    screenshot(page, "resumable-preview-too-long-phone")
    assert sent == []
    assert errors == []


def test_preview_refuses_a_too_large_file_at_once(
    live_server, upload_setup, new_page, clip, settings
):
    settings.VIDEO_MAX_UPLOAD_BYTES = 1024
    page = signed_in(new_page, live_server, upload_setup)
    page.goto(f"{live_server.url}/en/challenge/submit/")
    page.set_input_files("input[name='video']", str(clip))
    problem = page.locator("[data-preview-problem]")
    problem.wait_for(state="visible")
    assert "larger than 0 MB" in problem.inner_text() or "larger than" in (
        problem.inner_text()
    )


@pytest.fixture(scope="module")
def camera_browser(browser):
    """Chromium with a fake camera and microphone (a test pattern and a beep),
    launched by the same Playwright as the shared `browser`."""
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ],
    )
    yield camera
    camera.close()


def test_a_clip_recorded_in_the_browser_is_previewed_sent_and_processed(
    live_server, upload_setup, camera_browser
):
    from django.test import Client

    from challenge.models import Entry
    from videos.models import Video

    client = Client()
    client.force_login(upload_setup.user)
    context = camera_browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    context.grant_permissions(["camera", "microphone"], origin=live_server.url)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = page_errors(page)
    page.goto(f"{live_server.url}/en/challenge/submit/")
    fill(page, caption="Recorded on my phone: a thank-you to my friend")
    page.click("[data-record-open]")
    page.locator("[data-record-start]").wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('[data-record-live]').videoWidth > 0"
    )
    assert page.locator("[data-record-open]").is_hidden()
    page.evaluate(
        """() => {
          window.__said = [];
          const node = document.querySelector('[data-record-announce]');
          new MutationObserver(() => window.__said.push(node.textContent))
            .observe(node, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.click("[data-record-start]")
    page.locator("[data-record-stop]").wait_for(state="visible", timeout=30_000)
    said = page.evaluate("() => window.__said")
    assert said[:3] == [f"Recording starts in {n}" for n in (3, 2, 1)], said
    assert page.locator("[data-record-start]").is_hidden()
    assert page.locator("[data-record-countdown]").is_hidden()
    page.wait_for_timeout(2500)
    page.locator("[data-record-timer]").scroll_into_view_if_needed()
    screenshot(page, "resumable-record-recording-phone")
    view(page, "[data-record-stage]", "upload-record-phone")
    page.click("[data-record-stop]")
    page.locator("[data-preview]").wait_for(state="visible", timeout=30_000)
    page.wait_for_function(
        "() => /Length 0:[01][0-9]/.test(document.querySelector('[data-preview-facts]')"
        ".textContent)"
    )
    assert page.locator("[data-record-retake]").is_visible()
    page.locator("[data-preview]").scroll_into_view_if_needed()
    screenshot(page, "resumable-record-preview-phone")
    view(page, "[data-preview]", "upload-preview-phone")
    name = page.evaluate(
        "() => document.querySelector(\"input[name='video']\").files[0].name"
    )
    assert name == "recording.webm"

    page.click("[data-submit-button]")
    page.locator("[data-upload-result]").wait_for(state="visible", timeout=60_000)
    entry = Entry.objects.get(participant=upload_setup)
    entry.video.refresh_from_db()
    # Chromium's MediaRecorder writes WebM without a duration: the pipeline
    # measures it and the clip is accepted.
    assert entry.video.status == Video.Status.READY, entry.video.failure_detail
    assert entry.video.probe.get("duration_measured") is True
    # (How many frames the fake camera delivers depends on the machine's load.)
    assert 0.5 < entry.video.duration < 20
    assert errors == []
    context.close()
