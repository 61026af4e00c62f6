"""The three journeys in Chromium, against a live server and a real Celery worker.

1. A visitor watches an episode in German, with German captions, the creator reveal
   and the helpline of the country the browser names (Italy).
2. A participant signs up, confirms the email, completes the profile and uploads a
   clip; a 14-year-old's entry waits for the guardian's emailed consent first.
3. A moderator approves an entry in the admin; it appears in the gallery, another
   participant hearts it, an anonymous visitor reports it.

Screenshots at phone and desktop width land in tests/e2e/screenshots/.
"""

import re

import pytest

from tests.browser import screenshot, video_seek_to_end
from tests.conftest import wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.services,
    pytest.mark.worker,
    pytest.mark.slow,
]
WIDTHS = ("phone", "desktop")


def shoot(pages: dict, name: str):
    for width, page in pages.items():
        screenshot(page, f"{name}-{width}")


def page_errors(page) -> list[str]:
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


# --- 1. A visitor watches an episode in German ---------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_visitor_switches_to_german_and_watches_an_episode(
    live_server, celery_worker, site_content, new_page, width
):
    page = new_page(width, locale="it-IT")
    errors = page_errors(page)
    page.goto(f"{live_server.url}/it/")
    assert page.locator("html").get_attribute("lang") == "it"
    screenshot(page, f"j1-home-it-{width}")

    # The language switcher keeps the visitor on the same page.
    page.goto(f"{live_server.url}/it/stories/")
    page.locator(".language-switcher a[hreflang='de']").click()
    page.wait_for_url(re.compile(r"/de/stories/$"))
    assert page.locator("html").get_attribute("lang") == "de"

    page.locator("a[href='/de/stories/block-the-bullies/']").first.click()
    page.wait_for_url(re.compile(r"/de/stories/block-the-bullies/$"))
    screenshot(page, f"j1-episode-de-{width}")

    # German captions show by default on a German page.
    page.wait_for_function(
        "() => { const t = Array.from(document.querySelector('video').textTracks)"
        ".find(t => t.language === 'de'); return t && t.mode === 'showing'; }"
    )
    modes = page.evaluate(
        "() => Object.fromEntries(Array.from(document.querySelector('video')"
        ".textTracks, t => [t.language, t.mode]))"
    )
    assert modes["de"] == "showing"
    assert {modes[code] for code in ("en", "it", "fr")} <= {"disabled", "hidden"}

    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " return v.play(); }"
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return !v.paused && v.currentTime > 0.3; }"
    )
    page.wait_for_function(
        "() => { const t = Array.from(document.querySelector('video').textTracks)"
        ".find(t => t.language === 'de'); return t.cues && t.cues.length > 0; }"
    )
    reveal = page.locator("#creator-reveal")
    assert "is-revealed" not in (reveal.get_attribute("class") or "")
    video_seek_to_end(page)
    page.wait_for_function(
        "() => document.getElementById('creator-reveal')"
        ".classList.contains('is-revealed')"
    )
    assert "@milkymichii" in reveal.inner_text()
    # The browser says it-IT: Italy's lines, on the German page too (the country
    # is where the visitor is, not the language they read).
    body = page.locator("body").inner_text()
    assert "Telefono Azzurro" in body
    assert "19696" in body
    assert "Nummer gegen Kummer" not in body
    screenshot(page, f"j1-revealed-de-{width}")
    assert errors == []


# --- 2. A participant signs up and uploads; a minor's guardian confirms ----------

PASSWORD = "a-Kind-passw0rd-for-e2e"


def shoot_both(page, name: str):
    """Screenshot the page at desktop width, then at phone width, and back."""
    from tests.browser import DESKTOP, PHONE

    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def mail_link(folders, *, to: str, pattern: str) -> str:
    """The path of the first link matching `pattern` in the newest mail to `to`."""
    from email import message_from_string
    from email import policy as email_policy

    def find():
        messages = []
        for folder in folders:
            for path in folder.glob("*.log"):
                text = path.read_text()
                for raw in re.split(r"\n-{70,}\n", text):
                    if to in raw:
                        messages.append((path.stat().st_mtime, raw))
        for _mtime, raw in sorted(messages, reverse=True):
            message = message_from_string(raw.strip(), policy=email_policy.default)
            parts = message.walk() if message.is_multipart() else [message]
            for part in parts:
                if part.get_content_type() == "text/plain":
                    body = part.get_content()  # charset and transfer encoding
                    match = re.search(rf"https?://[^/\s]+({pattern})", body)
                    if match:
                        return match.group(1)
        return None

    return wait_for(find, timeout=30, what=f"a mail to {to} with {pattern}")


def fill_and_upload(page, clip, *, guardian_email=None):
    """Fill the submit form and upload the clip on a slow link; return the
    progress values the bar went through."""
    page.fill("textarea[name='caption']", "My friend sat with me at lunch #kindness")
    page.locator("input[name='prompt']").first.check()
    if guardian_email:
        page.fill("input[name='guardian_email']", guardian_email)
    page.check("input[name='accept_rules']")
    page.check("input[name='accept_gallery']")
    page.set_input_files("input[name='video']", str(clip))
    # A slow uplink (about 3 s for the clip), so the bar is seen moving.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 20,
            "downloadThroughput": -1,
            "uploadThroughput": max(clip.stat().st_size // 3, 4096),
        },
    )
    # Record every value upload.js gives the <progress> element.
    page.evaluate(
        """() => {
          const bar = document.querySelector('[data-progress-bar]');
          const value = Object.getOwnPropertyDescriptor(
            HTMLProgressElement.prototype, 'value');
          window.__progress = [];
          window.__statuses = [];
          const status = document.querySelector('[data-upload-status]');
          new MutationObserver(() => window.__statuses.push(status.textContent))
            .observe(status, {childList: true, characterData: true, subtree: true});
          Object.defineProperty(bar, 'value', {
            get() { return value.get.call(this); },
            set(v) { window.__progress.push(v); value.set.call(this, v); },
          });
        }"""
    )
    page.click("[data-submit-button]")
    page.wait_for_function(
        "() => { const bar = document.querySelector('[data-progress-bar]');"
        " return bar.value > 0 && bar.value < bar.max; }"
    )
    shoot_both(page, "j2-uploading")
    # Sent: the bar turns indeterminate while the server stores the file, and the
    # processing state is shown (or already the result card).
    page.wait_for_function(
        "() => !document.querySelector('[data-progress-bar]').hasAttribute('value')"
        " || !document.querySelector('[data-upload-result]').hidden",
        timeout=30_000,
    )
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    # The processing state was shown once the file was sent.
    statuses = page.evaluate("() => window.__statuses")
    assert any("Processing your video" in text for text in statuses), statuses
    return page.evaluate("() => window.__progress")


def log_in(page, base, email):
    page.goto(f"{base}/en/accounts/login/")
    page.fill("input[name='login']", email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("main button[type='submit']").first.click()
    page.wait_for_load_state()


def test_participant_signs_up_uploads_and_a_guardian_confirms_a_minors_entry(
    live_server, celery_worker, site_content, outbox_dir, new_page, tmp_path
):
    from django.conf import settings

    from challenge.models import Entry
    from tests.challenge.factories import birth_for_age, make_participant, make_user
    from videos.clips import make_clip

    base = live_server.url
    outboxes = [outbox_dir, settings.EMAIL_OUTBOX_DIR]
    clip = make_clip(tmp_path / "kind.mp4", seconds=1, width=160, height=288, fps=10)

    page = new_page("desktop")
    errors = page_errors(page)

    # Sign up with allauth's form; the confirmation mail lands in the outbox.
    email = "e2e.participant@example.org"
    page.goto(f"{base}/en/accounts/signup/")
    shoot_both(page, "j2-signup")
    page.fill("input[name='email']", email)
    page.fill("input[name='password1']", PASSWORD)
    page.fill("input[name='password2']", PASSWORD)
    page.locator("main button[type='submit']").first.click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    shoot_both(page, "j2-check-your-email")

    link = mail_link(outboxes, to=email, pattern=r"/\S*/accounts/confirm-email/\S+/")
    page.goto(f"{base}{link}")
    page.locator("main button[type='submit']").first.click()
    page.wait_for_url(re.compile(r"/en/challenge/profile/"))

    # Complete the profile.
    shoot_both(page, "j2-profile")
    year, month = birth_for_age(30)
    page.fill("input[name='handle']", "e2e_kindness")
    page.select_option("select[name='birth_month']", str(month))
    page.select_option("select[name='birth_year']", str(year))
    page.select_option("select[name='country']", "IT")
    page.locator("main button[type='submit']").click()
    page.wait_for_url(re.compile(r"/en/challenge/submit/$"))
    shoot_both(page, "j2-submit")

    # Upload: the bar moves, then the processing state, then "waiting for review".
    values = fill_and_upload(page, clip)
    assert any(0 < value < 100 for value in values), values
    assert values[-1] == 100, values
    result = page.locator("[data-upload-result]")
    result.wait_for(state="visible")
    page.wait_for_function(
        "() => /review/i.test(document.querySelector('[data-result-label]')"
        ".textContent)",
        timeout=60_000,
    )
    shoot_both(page, "j2-uploaded")
    entry = Entry.objects.get(participant__handle="e2e_kindness")
    assert entry.state == Entry.State.PENDING_REVIEW

    page.goto(f"{base}/en/challenge/my-entries/")
    assert "Waiting for review" in page.locator("main").inner_text()
    shoot_both(page, "j2-my-entries")

    # A 14-year-old in Germany: the entry waits for the guardian's emailed link.
    minor = make_participant(
        age=14, country="DE", handle="young_kind", user=make_user(password=PASSWORD)
    )
    minor_page = new_page("desktop")
    errors += page_errors(minor_page)
    log_in(minor_page, base, minor.user.email)
    minor_page.goto(f"{base}/en/challenge/submit/")
    fill_and_upload(minor_page, clip, guardian_email="parent.e2e@example.org")
    minor_page.locator("[data-upload-result]").wait_for(state="visible")
    minor_page.wait_for_function(
        "() => /guardian/i.test(document.querySelector('[data-result-label]')"
        ".textContent)",
    )
    minor_entry = Entry.objects.get(participant=minor)
    assert minor_entry.state == Entry.State.DRAFT
    minor_page.goto(f"{base}/en/challenge/my-entries/")
    assert "Waiting for your parent or guardian" in (
        minor_page.locator("main").inner_text()
    )
    shoot_both(minor_page, "j2-minor-waits-for-guardian")

    # The guardian opens the emailed link (no account) and confirms.
    link = mail_link(
        outboxes, to="parent.e2e@example.org", pattern=r"/\S*/challenge/guardian/\S+/"
    )
    guardian_page = new_page("desktop")
    errors += page_errors(guardian_page)
    guardian_page.goto(f"{base}{link}")
    shoot_both(guardian_page, "j2-guardian")
    guardian_page.locator("button[value='confirm']").click()
    guardian_page.wait_for_load_state()
    shoot_both(guardian_page, "j2-guardian-done")

    wait_for(
        lambda: Entry.objects.filter(
            pk=minor_entry.pk, state=Entry.State.PENDING_REVIEW
        ).exists(),
        timeout=60,
        what="the minor's entry to wait for review",
        worker=celery_worker,
    )
    minor_page.goto(f"{base}/en/challenge/my-entries/")
    assert "Waiting for review" in minor_page.locator("main").inner_text()
    assert errors == []


# --- 3. A moderator approves; hearts and a report in the gallery ------------------


def test_moderator_approves_then_the_gallery_hearts_and_reports_it(
    live_server, celery_worker, site_content, new_page, tmp_path
):
    from challenge.models import Entry, Report
    from tests.challenge.factories import make_entry, make_participant, make_user

    base = live_server.url
    author = make_participant(handle="moderated_kind")
    entry = make_entry(
        state=Entry.State.PENDING_REVIEW,
        participant=author,
        caption="I held the door and we laughed #kindness",
        with_files=True,
        tmp_dir=tmp_path,
    )
    moderator = make_user(moderator=True)
    moderator.set_password(PASSWORD)
    moderator.save()

    page = new_page("desktop")
    errors = page_errors(page)
    page.goto(f"{base}/en/admin/login/")
    shoot_both(page, "j3-admin-login")
    page.fill("input[name='username']", moderator.username)
    page.fill("input[name='password']", PASSWORD)
    page.locator("input[type='submit'], button[type='submit']").first.click()
    page.wait_for_url(re.compile(r"/en/admin/$"))

    # The queue opens on entries waiting for review.
    page.goto(f"{base}/en/admin/challenge/entry/")
    assert "moderated_kind" in page.locator("#result_list").inner_text()
    shoot_both(page, "j3-queue")
    page.locator(f"#result_list a[href*='/challenge/entry/{entry.pk}/']").first.click()
    page.wait_for_url(re.compile(rf"/challenge/entry/{entry.pk}/change/"))

    # The inline video really plays for the moderator.
    page.evaluate(
        "() => { const v = document.querySelector('.mod-player video');"
        " v.muted = true; return v.play(); }"
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('.mod-player video');"
        " return v.readyState >= 2 && v.currentTime > 0.2; }"
    )
    shoot_both(page, "j3-review")
    page.locator("button[name='decision'][value='approve']").click()
    page.wait_for_load_state()
    entry.refresh_from_db()
    assert entry.state == Entry.State.APPROVED

    # The gallery shows it.
    visitor = new_page("phone")
    errors += page_errors(visitor)
    visitor.goto(f"{base}/en/gallery/")
    assert "@moderated_kind" in visitor.locator("main").inner_text()
    screenshot(visitor, "j3-gallery-phone")
    page.goto(f"{base}/en/gallery/")
    screenshot(page, "j3-gallery-desktop")

    # Another participant logs in and hearts it: the count goes up, no reload.
    fan = make_participant(user=make_user(password=PASSWORD))
    fan_page = new_page("desktop")
    errors += page_errors(fan_page)
    log_in(fan_page, base, fan.user.email)
    fan_page.goto(f"{base}/en/gallery/{entry.pk}/")
    count = fan_page.locator("[data-heart-count]")
    assert count.inner_text().startswith("0")
    fan_page.evaluate("() => { window.__sameDocument = true; }")
    fan_page.locator("[data-heart-button]").click()
    fan_page.wait_for_function(
        "() => document.querySelector('[data-heart-count]').textContent.trim()"
        ".startsWith('1')"
    )
    assert fan_page.evaluate("() => window.__sameDocument") is True
    assert fan_page.locator("[data-heart-button]").get_attribute("aria-pressed") == (
        "true"
    )
    shoot_both(fan_page, "j3-hearted")
    wait_for(
        lambda: Entry.objects.get(pk=entry.pk).heart_count == 1,
        timeout=10,
        what="the heart to be counted",
    )

    # An anonymous visitor reports it and is thanked.
    visitor.goto(f"{base}/en/gallery/{entry.pk}/")
    visitor.locator(".report-link a").click()
    visitor.wait_for_url(re.compile(rf"/en/gallery/{entry.pk}/report/$"))
    visitor.locator("input[name='reason']").first.check()
    screenshot(visitor, "j3-report-phone")
    visitor.locator("main button[type='submit']").click()
    visitor.wait_for_load_state()
    assert "Thank you for telling us" in visitor.locator("main").inner_text()
    screenshot(visitor, "j3-report-thanks-phone")
    assert Report.objects.filter(entry=entry).count() == 1
    assert errors == []
