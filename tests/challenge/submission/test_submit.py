"""Submitting an entry: the happy path, bad input, limits, double submission."""

import datetime as dt
import uuid
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from challenge.models import Entry, Nudge
from tests.challenge.factories import entry_post_data, make_participant, make_user
from videos.models import Video

S = Entry.State
SUBMIT = "/en/challenge/submit/"


def test_upload_goes_through_processing_to_pending_review_with_a_poster(
    participant_client, campaign, upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = participant_client.post(SUBMIT, entry_post_data(upload()))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("challenge:my_entries")
    entry = Entry.objects.get()
    assert entry.state == S.PENDING_REVIEW
    assert entry.video.status == Video.Status.READY
    assert entry.video.poster
    assert entry.caption.endswith("#CreateKindness")
    assert [(e.from_state, e.to_state) for e in entry.events.all()] == [
        ("", S.UPLOADED),
        (S.UPLOADED, S.PROCESSING),
        (S.PROCESSING, S.PENDING_REVIEW),
    ]
    page = participant_client.get(reverse("challenge:my_entries")).content.decode()
    assert "Waiting for review by our team" in page
    poster = participant_client.get(
        reverse("challenge:entry_poster", kwargs={"pk": entry.pk})
    )
    assert poster.status_code == HTTPStatus.OK
    assert poster["Cache-Control"] == "private, no-store"


def test_hashtag_is_not_added_twice_and_other_hashtags_stay(
    participant_client, campaign, upload
):
    participant_client.post(
        SUBMIT,
        entry_post_data(upload(), caption="Be kind #createkindness #friends"),
    )
    assert Entry.objects.get().caption == "Be kind #createkindness #friends"


def test_json_upload_answers_with_the_entry_status(
    participant_client, campaign, upload
):
    response = participant_client.post(
        SUBMIT, entry_post_data(upload()), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["ok"] is True
    assert body["entry"]["state"] == S.PROCESSING
    status = participant_client.get(body["status_url"])
    assert status.json()["label"] == "Processing your video…"


def test_missing_file_keeps_the_caption(participant_client, campaign):
    response = participant_client.post(
        SUBMIT, entry_post_data(None, caption="Words I want to keep")
    )
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Please choose a video file." in page
    assert "Words I want to keep" in page
    assert not Entry.objects.exists()


def test_too_long_caption_is_refused_and_kept(participant_client, campaign, upload):
    caption = "kind " * 70  # 350 characters
    response = participant_client.post(
        SUBMIT, entry_post_data(upload(), caption=caption)
    )
    page = response.content.decode()
    assert "at most 300 characters" in page
    assert caption.strip() in page
    assert not Video.objects.exists()


def test_caption_is_escaped_when_shown(participant_client, campaign, upload):
    participant_client.post(
        SUBMIT, entry_post_data(upload(), caption="<script>alert(1)</script> hi")
    )
    page = participant_client.get(reverse("challenge:my_entries")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hi" in page


@pytest.mark.parametrize(
    "starts, ends",
    [(1, 10), (-10, -1)],
    ids=["upcoming", "ended"],
)
def test_campaign_not_live_refuses_and_keeps_the_caption(
    participant_client, db, upload, starts, ends
):
    from campaign.models import Campaign

    now = timezone.now()
    Campaign.objects.create(
        name="c",
        starts_at=now + dt.timedelta(days=starts),
        ends_at=now + dt.timedelta(days=ends),
    )
    page = participant_client.get(SUBMIT).content.decode()
    assert "not open for entries right now" in page
    response = participant_client.post(
        SUBMIT, entry_post_data(upload(), caption="Kept caption")
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    page = response.content.decode()
    assert "not open for entries right now" in page
    assert "Kept caption" in page
    assert not Video.objects.exists()


def test_no_campaign_at_all_refuses(participant_client, db, upload):
    response = participant_client.post(SUBMIT, entry_post_data(upload()))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Entry.objects.exists()


def test_daily_limit(participant_client, campaign, upload, settings):
    settings.CHALLENGE_DAILY_ENTRY_LIMIT = 2
    for _ in range(2):
        assert (
            participant_client.post(SUBMIT, entry_post_data(upload())).status_code
            == HTTPStatus.FOUND
        )
    response = participant_client.post(
        SUBMIT, entry_post_data(upload(), caption="third one")
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    page = response.content.decode()
    assert "come back tomorrow" in page
    assert "third one" in page
    assert Entry.objects.count() == 2
    assert Video.objects.count() == 2
    # a day later the participant can send again
    Entry.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert (
        participant_client.post(SUBMIT, entry_post_data(upload())).status_code
        == HTTPStatus.FOUND
    )


def test_withdrawn_entries_still_count_for_the_daily_limit(
    participant_client, participant, campaign, upload, settings
):
    settings.CHALLENGE_DAILY_ENTRY_LIMIT = 1
    participant_client.post(SUBMIT, entry_post_data(upload()))
    entry = Entry.objects.get()
    participant_client.post(reverse("challenge:withdraw", kwargs={"pk": entry.pk}))
    response = participant_client.post(SUBMIT, entry_post_data(upload()))
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_the_same_form_posted_twice_gives_one_entry(
    participant_client, campaign, upload
):
    token = str(uuid.uuid4())
    first = participant_client.post(
        SUBMIT, entry_post_data(upload(), submission_token=token)
    )
    second = participant_client.post(
        SUBMIT, entry_post_data(upload(), submission_token=token)
    )
    assert first.status_code == second.status_code == HTTPStatus.FOUND
    assert Entry.objects.count() == 1
    assert Video.objects.count() == 1
    page = participant_client.get(second["Location"]).content.decode()
    assert "We had already received this entry" in page


def test_submit_needs_a_profile_first(client, db, campaign):
    client.force_login(make_user())
    response = client.get(SUBMIT)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("challenge:profile"))


@pytest.mark.parametrize("name", ["challenge:submit", "challenge:profile"])
def test_an_unverified_email_gets_allauths_verify_page_and_a_new_mail(
    client, campaign, mailoutbox, name
):
    """allauth's verified_email_required does not redirect (verification by code
    is off): it answers with its own "verify your email" page, with 200, and sends
    the verification mail again."""
    user = make_user(verified=False)
    make_participant(user=user)
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == HTTPStatus.OK
    assert "account/verified_email_required.html" in [
        template.name for template in response.templates
    ]
    page = response.content.decode()
    assert "Confirm your email address" in page
    assert 'name="video"' not in page
    assert 'name="handle"' not in page
    assert [message.to for message in mailoutbox] == [[user.email]]
    assert "/en/accounts/confirm-email/" in mailoutbox[0].body


def test_an_unverified_email_cannot_post_an_entry(client, campaign, upload):
    user = make_user(verified=False)
    make_participant(user=user)
    client.force_login(user)
    response = client.post(SUBMIT, entry_post_data(upload()))
    assert response.status_code == HTTPStatus.OK
    assert "Confirm your email address" in response.content.decode()
    assert not Video.objects.exists()
    assert not Entry.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, db, campaign):
    response = client.get(SUBMIT)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('account_login')}?next={SUBMIT}"


def test_submit_is_csrf_protected(db, campaign, participant, upload):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(participant.user)
    response = client.post(SUBMIT, entry_post_data(upload()))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Video.objects.exists()


def test_minor_entry_waits_for_a_guardian(client, campaign, upload, mailoutbox):
    minor = make_participant(age=14, country="FR")
    client.force_login(minor.user)
    page = client.get(SUBMIT).content.decode()
    assert 'name="guardian_email"' in page
    response = client.post(SUBMIT, entry_post_data(upload()))
    assert "guardian" in response.content.decode()  # required field error
    assert not Entry.objects.exists()
    client.post(SUBMIT, entry_post_data(upload(), guardian_email="parent@example.org"))
    entry = Entry.objects.get()
    assert entry.state == S.DRAFT
    assert entry.is_minor
    assert entry.submitted_at is None
    assert entry.guardian_consent.guardian_email == "parent@example.org"


def test_minor_cannot_name_their_own_address_as_guardian(client, campaign, upload):
    minor = make_participant(age=14, country="FR")
    client.force_login(minor.user)
    response = client.post(
        SUBMIT, entry_post_data(upload(), guardian_email=minor.user.email.upper())
    )
    assert "your own mailbox" in response.content.decode()
    assert not Entry.objects.exists()


def test_adult_in_the_same_country_needs_no_guardian(client, campaign):
    adult = make_participant(age=15, country="FR")
    client.force_login(adult.user)
    assert 'name="guardian_email"' not in client.get(SUBMIT).content.decode()


def test_non_video_file_is_reported_after_processing(
    participant_client, campaign, upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participant_client.post(
            SUBMIT,
            entry_post_data(upload("notes.mp4", b"this is not a video at all" * 100)),
        )
    entry = Entry.objects.get()
    assert entry.state == S.FAILED
    status = participant_client.get(
        reverse("challenge:entry_status", kwargs={"pk": entry.pk})
    ).json()
    assert status["label"] == "Could not be processed"
    assert status["reason"]
    page = participant_client.get(reverse("challenge:my_entries")).content.decode()
    assert status["reason"] in page.replace("&#x27;", "'")


def test_over_long_video_is_reported_after_processing(
    participant_client, campaign, upload, settings, django_capture_on_commit_callbacks
):
    settings.VIDEO_MAX_DURATION_SECONDS = 0  # 1 s clip, 0.5 s tolerance
    with django_capture_on_commit_callbacks(execute=True):
        participant_client.post(SUBMIT, entry_post_data(upload()))
    entry = Entry.objects.get()
    assert entry.state == S.FAILED
    assert entry.video.failure_reason


def test_nudge_counts_in_the_daily_limit_while_pending(
    participant_client, campaign, upload, settings
):
    settings.CHALLENGE_DAILY_ENTRY_LIMIT = 1
    participant_client.post(SUBMIT, entry_post_data(upload(), caption="you idiot"))
    assert Nudge.objects.count() == 1
    response = participant_client.post(SUBMIT, entry_post_data(upload()))
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_an_upload_while_the_broker_is_down_is_kept_and_the_sweep_sends_it(
    participant_client, campaign, upload, broker_down, settings, committed
):
    from videos.services import video_sweep

    with committed():
        response = participant_client.post(SUBMIT, entry_post_data(upload()))

    assert response.status_code == HTTPStatus.FOUND
    entry = Entry.objects.get()
    assert entry.video.status == Video.Status.PENDING
    broker_down()  # the broker is back
    later = timezone.now() + dt.timedelta(
        seconds=settings.VIDEO_STUCK_AFTER_SECONDS + 1
    )
    with committed():
        video_sweep(now=later)
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW
    assert entry.video.status == Video.Status.READY


def test_an_upload_the_storage_cannot_take_is_refused_with_a_retry_and_keeps_the_caption(
    participant_client, campaign, upload, settings, tmp_path
):
    # A private storage under a plain file: every save fails as on a broken disk.
    (tmp_path / "not-a-folder").write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "not-a-folder" / "private")},
        },
    }
    data = entry_post_data(upload(), caption="Be kind to the new kid")

    response = participant_client.post(SUBMIT, data)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    page = response.content.decode()
    assert "our storage did not answer" in page
    assert "Be kind to the new kid" in page
    assert not Entry.objects.exists()
    assert not Video.objects.exists()


def test_at_a_busy_time_the_participant_sees_how_many_videos_are_ahead(
    participant_client, participant, campaign, upload, broker_down, committed
):
    from challenge.services.submission import entry_upload

    # The videos wait (the broker is down): two from other participants first.
    for _ in range(2):
        with committed():
            entry_upload(
                participant=make_participant(),
                file=upload(),
                caption="Kind words",
                prompt="moment",
                language="en",
                submission_token=uuid.uuid4(),
            )
    with committed():
        participant_client.post(SUBMIT, entry_post_data(upload()))
    entry = Entry.objects.get(participant=participant)

    status = participant_client.get(
        reverse("challenge:entry_status", kwargs={"pk": entry.pk})
    ).json()
    page = participant_client.get(reverse("challenge:my_entries")).content.decode()

    assert status["done"] is False
    assert status["reason"].startswith("2 videos are ahead of yours.")
    assert "2 videos are ahead of yours." in page
    Video.objects.exclude(pk=entry.video_id).update(status=Video.Status.READY)
    status = participant_client.get(
        reverse("challenge:entry_status", kwargs={"pk": entry.pk})
    ).json()
    assert status["reason"] == ""
