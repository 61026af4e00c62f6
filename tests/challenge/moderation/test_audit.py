"""The audit log: read-only for everyone, exported as CSV without formula injection."""

import csv
import io
from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import (
    Entry,
    EntryEvent,
)
from challenge.services import moderation
from tests.challenge.factories import (
    make_entry,
    make_participant,
    make_user,
)

pytestmark = pytest.mark.django_db
S = Entry.State


def test_audit_log_is_read_only_even_for_superusers(client):
    admin_user = make_user(superuser=True)
    entry = make_entry()
    event = entry.events.first()
    client.force_login(admin_user)
    assert (
        client.get(reverse("admin:challenge_entryevent_changelist")).status_code
        == HTTPStatus.OK
    )
    assert (
        client.get(reverse("admin:challenge_entryevent_add")).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert (
        client.post(
            reverse("admin:challenge_entryevent_delete", args=[event.pk]),
            {"post": "yes"},
        ).status_code
        == HTTPStatus.FORBIDDEN
    )
    client.post(
        reverse("admin:challenge_entryevent_change", args=[event.pk]),
        {"note": "rewritten"},
    )
    event.refresh_from_db()
    assert event.note == ""
    assert EntryEvent.objects.filter(pk=event.pk).exists()


def test_audit_csv_exports_the_filtered_log(client, moderator):
    entry = make_entry(participant=make_participant(handle="csv_kid"))
    moderation.entry_reject(
        entry_id=entry.pk, actor=moderator, reason="spam", note="=HYPERLINK(evil)"
    )
    client.force_login(moderator)
    response = client.get(
        reverse("admin:challenge_entryevent_export"), {"to_state": "rejected"}
    )
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "entry", "handle"]
    assert len(rows) == 2
    assert rows[1][2] == "csv_kid"
    assert rows[1][3] == moderator.username
    assert rows[1][7] == "'=HYPERLINK(evil)"  # no formula injection
