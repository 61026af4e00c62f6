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
from challenge.services.moderation import decisions, undo
from core.accounts import person_label
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
    decisions.entry_reject(
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
    assert rows[1][3] == person_label(moderator)  # never a username
    assert rows[1][7] == "'=HYPERLINK(evil)"  # no formula injection


def test_audit_log_lists_newest_first_with_labels_and_a_moderator_filter(client):
    first, second = make_user(moderator=True), make_user(moderator=True)
    entry = make_entry()
    other = make_entry()
    decisions.entry_approve(entry_id=entry.pk, actor=first)
    undo.entry_decision_undo(actor=first)
    decisions.entry_reject(entry_id=other.pk, actor=second, reason="bullying")
    client.force_login(first)
    url = reverse("admin:challenge_entryevent_changelist")
    response = client.get(url)
    events = list(response.context["cl"].result_list)
    assert [e.created_at for e in events] == sorted(
        (e.created_at for e in events), reverse=True
    )
    assert events[0].reason == "bullying"
    page = response.content.decode()
    assert "Bullying or hurtful" in page
    assert "Decision undone" in page
    assert "Waiting for review" in page and "Live in the gallery" in page
    assert ">moderator<" in page.lower() or "By moderator" in page
    response = client.get(url, {"actor__id__exact": second.pk})
    assert {e.actor for e in response.context["cl"].result_list} == {second}


def test_an_entrys_history_says_states_and_events_in_words(client, moderator):
    moderator.first_name = "Ada"
    moderator.save()
    entry = make_entry(participant=make_participant(handle="history_kid"))
    decisions.entry_reject(entry_id=entry.pk, actor=moderator, reason="spam")
    client.force_login(moderator)
    response = client.get(reverse("admin:challenge_entry_change", args=[entry.pk]))
    assert response.status_code == HTTPStatus.OK
    history = response.content.decode().split('id="events-group"')[1]
    history = history.split("</fieldset>")[0]
    for code in ("pending_review", "processing", "video_ready", "handed_over"):
        assert code not in history
    # each row's heading too (the event itself, as admin writes it)
    assert f"{entry.pk}: {S.PENDING_REVIEW.label} → {S.REJECTED.label}" in history
    for words in (
        S.PENDING_REVIEW.label,
        S.REJECTED.label,
        "Video ready",
        "Handed to the video pipeline",
        "Uploaded",
        "Ada",
    ):
        assert str(words) in history
