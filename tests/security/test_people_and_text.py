"""Issue "trust boundary", point 7: account deletion works whatever the account did,
and a guardian's address never reaches the audit log or its export."""

from http import HTTPStatus

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from challenge.models import Entry, EntryEvent, Heart
from challenge.services.gallery import heart_toggle
from challenge.services.guardian import guardian_token
from challenge.services.moderation import decisions
from challenge.services.privacy import retention_sweep
from tests.challenge.factories import (
    PASSWORD,
    entry_post_data,
    make_entry,
    make_participant,
    make_user,
)

S = Entry.State


def test_deleting_an_account_that_hearted_an_entry_later_hidden(
    client, db, django_capture_on_commit_callbacks
):
    fan = make_participant()
    entry = make_entry(state=S.APPROVED)
    heart_toggle(entry_id=entry.pk, user=fan.user)
    decisions.entry_hide(entry_id=entry.pk, actor=make_user(moderator=True))
    client.force_login(fan.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/challenge/my-data/delete-account/",
            {"password": PASSWORD, "confirm": "on"},
        )
    assert response.status_code == HTTPStatus.FOUND
    assert not get_user_model().objects.filter(pk=fan.user_id).exists()
    assert not Heart.objects.filter(entry=entry).exists()
    entry.refresh_from_db()
    assert entry.heart_count == 0


def test_a_guardians_address_stays_out_of_the_audit_log_and_its_export(
    client, campaign, upload, django_capture_on_commit_callbacks
):
    address = "mum.rossi+kid@example.org"
    minor = make_participant(age=13, country="IT", language="it")
    client.force_login(minor.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/en/challenge/submit/", entry_post_data(upload(), guardian_email=address)
        )
    entry = Entry.objects.get()
    assert mail.outbox and mail.outbox[0].to == [address]
    client.logout()
    token = guardian_token(entry.guardian_consent)
    client.post(
        reverse("challenge:guardian", kwargs={"token": token}), {"decision": "confirm"}
    )
    notes = " ".join(EntryEvent.objects.values_list("note", flat=True))
    assert address not in notes and "rossi" not in notes

    staff = make_user(superuser=True)
    client.force_login(staff)
    export = client.get(reverse("admin:challenge_entryevent_export"))
    assert export.status_code == HTTPStatus.OK
    assert address not in b"".join(export.streaming_content).decode()


def test_the_sweep_erases_addresses_left_in_old_audit_notes(db):
    entry = make_entry(state=S.PENDING_REVIEW)
    EntryEvent.objects.create(
        entry=entry,
        from_state=S.DRAFT,
        to_state=S.UPLOADED,
        reason="guardian_confirmed",
        note="guardian: parent@example.org",
    )
    retention_sweep()
    assert not EntryEvent.objects.filter(note__contains="@").exists()
