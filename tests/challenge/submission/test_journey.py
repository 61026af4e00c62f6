"""The whole participant journey on a real Celery worker and real Redis.

Sign up through allauth's own views, verify the email from the file outbox,
complete the profile, upload a generated clip, and watch the entry reach
"waiting for review" with a poster. At every step the private files stay
unreachable by URL, for visitors and for another participant.
"""

import re
import time
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from challenge.models import Entry
from tests.challenge.factories import birth_for_age, entry_post_data, make_participant
from videos.clips import make_clip

pytestmark = [pytest.mark.services, pytest.mark.worker, pytest.mark.slow]
S = Entry.State


def _confirmation_link(outbox_dir) -> str:
    bodies = "\n".join(path.read_text() for path in sorted(outbox_dir.iterdir()))
    match = re.search(r"https?://[^/\s]+(/\S*/accounts/confirm-email/\S+/)", bodies)
    assert match, bodies
    return match.group(1)


def _private_urls(entry) -> list[str]:
    video = entry.video
    urls = [
        f"/v/{video.pk}/video.mp4",
        f"/v/{video.pk}/poster.webp",
        f"/v/{video.pk}/original",
        f"/media/videos/{video.pk}/source",
        f"/media/videos/{video.pk}/video.mp4",
        f"/media/videos/{video.pk}/poster.webp",
        f"/media/private/videos/{video.pk}/source",
    ]
    for field in (video.source, video.output, video.poster):
        if field:
            urls.append(f"/media/{field.name}")
    return urls


def _assert_unreachable(entry, clients):
    for who, client in clients.items():
        for url in _private_urls(entry):
            response = client.get(url)
            assert response.status_code == HTTPStatus.NOT_FOUND, (who, url)
        for name in ("entry_poster", "entry_status"):
            url = reverse(f"challenge:{name}", kwargs={"pk": entry.pk})
            response = client.get(url)
            if who == "anonymous":  # sent to log in first
                assert response.status_code == HTTPStatus.FOUND, (who, url)
                assert response["Location"] == f"{reverse('account_login')}?next={url}"
            else:
                assert response.status_code == HTTPStatus.NOT_FOUND, (who, url)


def test_sign_up_verify_profile_upload_reaches_review_privately(
    celery_worker, campaign, outbox_dir, tmp_path
):
    worker = celery_worker
    browser = Client()
    email = "new.participant@example.org"
    password = "a-Kind-passw0rd-for-tests"

    # 1. Sign up with allauth's real view; the verification mail lands in the outbox.
    response = browser.post(
        "/en/accounts/signup/",
        {"email": email, "password1": password, "password2": password},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert browser.get(reverse("challenge:submit")).status_code == HTTPStatus.FOUND

    # 2. Open the link from the mail and confirm: logged in, sent to the profile.
    link = _confirmation_link(outbox_dir)
    assert browser.get(link).status_code == HTTPStatus.OK
    response = browser.post(link)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("challenge:profile")

    # 3. Complete the profile.
    year, month = birth_for_age(30)
    response = browser.post(
        reverse("challenge:profile"),
        {
            "handle": "kindness_fan",
            "birth_year": year,
            "birth_month": month,
            "country": "DE",
        },
    )
    assert response["Location"] == reverse("challenge:submit")

    # 4. Upload a generated clip; the worker processes it.
    clip = make_clip(tmp_path / "kind.mp4", seconds=2, width=320, height=240)
    upload = SimpleUploadedFile("kind.mp4", clip.read_bytes(), "video/mp4")
    response = browser.post(
        reverse("challenge:submit"),
        entry_post_data(upload),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == HTTPStatus.OK, response.content
    body = response.json()
    entry = Entry.objects.get(pk=body["entry"]["id"])
    assert entry.participant.user.email == email

    anonymous = Client()
    other = Client()
    other.force_login(make_participant().user)
    clients = {"anonymous": anonymous, "other participant": other}
    _assert_unreachable(entry, clients)

    # 5. Poll the status endpoint, as upload.js does, until it waits for review.
    deadline = time.monotonic() + 90
    status = body["entry"]
    while time.monotonic() < deadline and status["state"] != S.PENDING_REVIEW:
        _assert_unreachable(Entry.objects.get(pk=entry.pk), clients)
        time.sleep(0.3)
        status = browser.get(body["status_url"]).json()
    assert status["state"] == S.PENDING_REVIEW, worker.log.read_text()[-3000:]
    assert status["label"] == "Waiting for review by our team"
    assert status["has_poster"]

    entry.refresh_from_db()
    assert entry.video.poster and entry.video.output
    _assert_unreachable(entry, clients)
    # the participant sees their own poster and video, privately; nobody else does
    poster = browser.get(reverse("challenge:entry_poster", kwargs={"pk": entry.pk}))
    assert poster.status_code == HTTPStatus.OK
    assert b"WEBP" in b"".join(poster.streaming_content)[:16]
    own = browser.get(f"/v/{entry.video.pk}/video.mp4")
    assert own.status_code == HTTPStatus.OK
    assert own["Cache-Control"] == "private, no-store"
    assert browser.get(f"/v/{entry.video.pk}/original").status_code == (
        HTTPStatus.NOT_FOUND
    )
    page = browser.get(reverse("challenge:my_entries")).content.decode()
    assert "Waiting for review by our team" in page
