"""A participant withdraws their entry: files gone, audit trail kept, nobody else may."""

from http import HTTPStatus

from django.urls import reverse

from challenge.models import Entry, EntryEvent
from tests.challenge.factories import (
    entry_post_data,
    make_entry,
    make_participant,
    video_files,
)

S = Entry.State
SUBMIT = "/en/challenge/submit/"


def test_withdraw_deletes_files_and_keeps_the_audit_trail(
    participant_client, campaign, upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participant_client.post(SUBMIT, entry_post_data(upload()))
    entry = Entry.objects.get()
    storage = entry.video.source.storage
    # the original upload is already gone (deleted once processed)
    names = [f.name for f in video_files(entry.video)]
    assert all(storage.exists(name) for name in names)
    url = reverse("challenge:withdraw", kwargs={"pk": entry.pk})
    confirm = participant_client.get(url)
    assert "Withdraw your entry?" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = participant_client.post(url)
    assert response.status_code == HTTPStatus.FOUND
    entry.refresh_from_db()
    assert entry.state == S.WITHDRAWN
    assert entry.caption == ""
    assert not any(storage.exists(name) for name in names)
    event = EntryEvent.objects.filter(entry=entry).last()
    assert (event.to_state, event.reason) == (S.WITHDRAWN, "withdrawn_by_participant")
    assert event.actor == entry.participant.user
    page = participant_client.get(reverse("challenge:my_entries")).content.decode()
    assert "You have not sent a video yet." in page


def test_nobody_else_sees_or_withdraws_an_entry(
    client, participant_client, participant, campaign, upload
):
    participant_client.post(SUBMIT, entry_post_data(upload()))
    entry = Entry.objects.get()
    other = make_participant()
    client.force_login(other.user)
    for name in ("withdraw", "entry_status", "entry_poster"):
        url = reverse(f"challenge:{name}", kwargs={"pk": entry.pk})
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert client.post(
        reverse("challenge:withdraw", kwargs={"pk": entry.pk})
    ).status_code == (HTTPStatus.NOT_FOUND)
    entry.refresh_from_db()
    assert entry.state != S.WITHDRAWN


def test_withdrawing_an_approved_entry_removes_it_from_the_gallery(
    client,
    participant_client,
    participant,
    campaign,
    django_capture_on_commit_callbacks,
):
    entry = make_entry(participant=participant, state=S.APPROVED)
    gallery = reverse("gallery:list")
    assert entry.caption in client.get(gallery).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        participant_client.post(reverse("challenge:withdraw", kwargs={"pk": entry.pk}))
    assert client.get(f"/v/{entry.video.pk}/video.mp4").status_code == (
        HTTPStatus.NOT_FOUND
    )
    assert "A stranger helped me" not in client.get(gallery).content.decode()
