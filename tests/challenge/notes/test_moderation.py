"""Reports on notes and the moderators' side: the queue, remove and restore with a
reason in the log, everything by one writer in one step."""

from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from challenge.models import Entry, Note, NoteEvent, NoteReport
from challenge.selectors.dashboard import dashboard_figures
from challenge.services.notes.moderators import note_moderate
from challenge.services.notes.removal import notes_remove
from challenge.services.notes.reports import note_report_create
from challenge.services.notes.writing import note_nudge_decide
from tests.challenge.factories import make_entry, make_participant, make_user

from .helpers import detail_url, old_account, shown_texts, write

pytestmark = pytest.mark.django_db
S = Entry.State
CHANGELIST = reverse("admin:challenge_note_changelist")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def note():
    entry = make_entry(state=S.APPROVED)
    return write(entry, make_participant(handle="mean_one"), "meh, boring").note


def report_url(note) -> str:
    return reverse("gallery:note_report", args=[note.pk])


# --- Reports ---------------------------------------------------------------------------


def test_a_visitor_must_log_in_to_report_a_note(note):
    response = Client().post(report_url(note), {"reason": "bullying"})
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("account_login") in response["Location"]
    assert not NoteReport.objects.exists()


def test_a_signed_in_account_reports_a_note_once(note):
    client = logged_in(old_account())
    assert client.get(report_url(note)).status_code == HTTPStatus.OK
    done = client.post(report_url(note), {"reason": "bullying", "text": "mean"})
    assert "Your report has reached our team" in done.content.decode()
    again = client.post(report_url(note), {"reason": "spam"})
    assert "already reported this note" in again.content.decode()
    report = NoteReport.objects.get()
    assert (report.reason, report.text, report.weight) == ("bullying", "mean", 1)
    note.refresh_from_db()
    assert note.report_count == 1


def test_a_report_without_a_reason_keeps_the_text(note):
    response = logged_in(old_account()).post(report_url(note), {"text": "details"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "details" in response.content.decode()
    assert not NoteReport.objects.exists()


def test_verified_reports_hold_the_note_unverified_ones_never(note, settings):
    settings.NOTES_HOLD_AT_REPORTS = 2
    for _ in range(3):
        logged_in(make_user(verified=False)).post(report_url(note), {"reason": "spam"})
    note.refresh_from_db()
    assert (note.state, note.report_count) == (Note.State.PUBLISHED, 3)
    for _ in range(2):
        logged_in(old_account()).post(report_url(note), {"reason": "bullying"})
    note.refresh_from_db()
    assert note.state == Note.State.HELD
    assert NoteEvent.objects.get().reason == "reports"
    assert shown_texts(Client().get(detail_url(note.entry))) == []


def test_reporting_notes_is_rate_limited(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "report": "2/m/ip"}
    entry = make_entry(state=S.APPROVED)
    notes = [write(entry, make_participant(), f"n{n}").note for n in range(3)]
    client = logged_in(old_account())
    for note in notes[:2]:
        client.post(report_url(note), {"reason": "spam"})
    response = client.post(report_url(notes[2]), {"reason": "spam"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert NoteReport.objects.count() == 2


@pytest.mark.parametrize("gone", ["held", "removed", "entry_hidden"])
def test_a_note_nobody_sees_cannot_be_reported(note, gone, moderator):
    if gone == "held":
        Note.objects.filter(pk=note.pk).update(state=Note.State.HELD)
    elif gone == "removed":
        note_moderate(note_id=note.pk, actor=moderator, remove=True, reason="x")
    else:
        from challenge.services.moderation.decisions import entry_hide

        entry_hide(entry_id=note.entry_id, actor=moderator)
    response = logged_in(old_account()).get(report_url(note))
    assert response.status_code == HTTPStatus.NOT_FOUND


# --- Moderators -----------------------------------------------------------------------


def test_the_queue_shows_held_and_reported_notes_only(moderator):
    entry = make_entry(state=S.APPROVED)
    quiet = write(entry, make_participant(), "quiet kind note").note
    reported = write(entry, make_participant(), "reported note").note
    held = write(entry, make_participant(), "go die").note
    note_report_create(note_id=reported.pk, user=old_account(), reason="spam")
    page = logged_in(moderator).get(CHANGELIST)
    assert page.status_code == HTTPStatus.OK
    listed = {note.pk for note in page.context["cl"].result_list}
    assert listed == {reported.pk, held.pk}
    assert quiet.pk not in listed
    every = logged_in(moderator).get(CHANGELIST + "?queue=all")
    assert len(every.context["cl"].result_list) == 3


def test_the_note_page_shows_the_entry_and_the_writers_recent_notes(moderator):
    writer = make_participant(handle="busy_writer")
    first = write(make_entry(state=S.APPROVED), writer, "an older note").note
    note = write(make_entry(state=S.APPROVED), writer, "the reported note").note
    page = logged_in(moderator).get(
        reverse("admin:challenge_note_change", args=[note.pk])
    )
    html = page.content.decode()
    assert "an older note" in html
    assert reverse("admin:challenge_note_change", args=[first.pk]) in html
    assert reverse("admin:challenge_entry_change", args=[note.entry_id]) in html


def test_a_moderator_removes_and_restores_with_a_reason_in_the_log(note, moderator):
    client = logged_in(moderator)
    without = client.post(
        CHANGELIST + "?queue=all",
        {"action": "remove_selected", "_selected_action": [note.pk], "reason": ""},
        follow=True,
    )
    assert "Give a reason" in without.content.decode()
    note.refresh_from_db()
    assert note.state == Note.State.PUBLISHED
    client.post(
        CHANGELIST + "?queue=all",
        {
            "action": "remove_selected",
            "_selected_action": [note.pk],
            "reason": "insulting",
        },
    )
    note.refresh_from_db()
    assert note.state == Note.State.REMOVED
    client.post(
        CHANGELIST + "?queue=all",
        {
            "action": "restore_selected",
            "_selected_action": [note.pk],
            "reason": "on second look, fine",
        },
    )
    note.refresh_from_db()
    assert note.state == Note.State.PUBLISHED
    log = list(
        NoteEvent.objects.order_by("id").values_list(
            "from_state", "to_state", "role", "reason"
        )
    )
    assert log == [
        ("published", "removed", "moderator", "insulting"),
        ("removed", "published", "moderator", "on second look, fine"),
    ]
    events = logged_in(moderator).get(reverse("admin:challenge_noteevent_changelist"))
    assert events.status_code == HTTPStatus.OK
    assert "on second look, fine" in events.content.decode()


def test_the_log_lists_many_events_with_the_queries_of_one(moderator):
    """Each row shows its note: loaded with the events, not one query per row."""
    log = reverse("admin:challenge_noteevent_changelist")
    client = logged_in(moderator)

    def remove_notes(count: int) -> None:
        for number in range(count):
            note = write(
                make_entry(state=S.APPROVED), make_participant(), f"n{number}"
            ).note
            note_moderate(
                note_id=note.pk,
                actor=make_user(moderator=True),
                remove=True,
                reason="mean",
            )

    def queries(rows: int) -> int:
        with CaptureQueriesContext(connection) as context:
            page = client.get(log)
        assert len(page.context["cl"].result_list) == rows
        return len(context)

    remove_notes(1)
    client.get(log)  # the session and the permissions, loaded once
    one = queries(1)
    remove_notes(11)
    assert queries(12) == one


def test_the_log_cannot_be_edited_or_deleted(note, moderator):
    note_moderate(note_id=note.pk, actor=moderator, remove=True, reason="x")
    event = NoteEvent.objects.get()
    client = logged_in(make_user(superuser=True))
    change = reverse("admin:challenge_noteevent_change", args=[event.pk])
    client.post(change, {"reason": "rewritten"})
    delete = reverse("admin:challenge_noteevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    event.refresh_from_db()
    assert event.reason == "x"


def test_what_the_owner_removed_a_moderator_does_not_restore(moderator):
    owner = make_participant()
    entry = make_entry(state=S.APPROVED, participant=owner)
    note = write(entry, make_participant(), "meh").note
    notes_remove(owner=owner, note_ids=[note.pk])
    assert not note_moderate(
        note_id=note.pk, actor=moderator, remove=False, reason="looks fine"
    )
    note.refresh_from_db()
    assert note.state == Note.State.REMOVED


def test_a_decision_resolves_the_open_reports(note, moderator):
    note_report_create(note_id=note.pk, user=old_account(), reason="spam")
    note_moderate(note_id=note.pk, actor=moderator, remove=True, reason="y")
    assert not NoteReport.objects.filter(resolved_at__isnull=True).exists()


def test_a_moderator_removes_everything_one_writer_posted(moderator):
    writer = make_participant()
    notes = [
        write(make_entry(state=S.APPROVED), writer, f"spam {n}").note for n in range(3)
    ]
    other = write(make_entry(state=S.APPROVED), make_participant(), "kind").note
    logged_in(moderator).post(
        CHANGELIST + "?queue=all",
        {
            "action": "remove_all_by_writers",
            "_selected_action": [notes[0].pk],
            "reason": "spam run",
        },
    )
    assert set(Note.objects.filter(author=writer).values_list("state", flat=True)) == {
        Note.State.REMOVED
    }
    other.refresh_from_db()
    assert other.state == Note.State.PUBLISHED
    assert NoteEvent.objects.filter(reason="spam run").count() == 3


def test_staff_without_the_permission_cannot_decide(note):
    staff = make_user(staff=True, perms=("challenge.view_note",))
    logged_in(staff).post(
        CHANGELIST + "?queue=all",
        {"action": "remove_selected", "_selected_action": [note.pk], "reason": "x"},
    )
    note.refresh_from_db()
    assert note.state == Note.State.PUBLISHED
    with pytest.raises(PermissionDenied):
        note_moderate(note_id=note.pk, actor=staff, remove=True, reason="x")


def test_the_dashboard_shows_the_notes_rate_beside_the_captions(moderator):
    entry = make_entry(state=S.APPROVED)
    for text, choice in [("you idiot", "edit"), ("loser", "cancel"), ("dumb", "post")]:
        writer = make_participant()
        nudge = write(entry, writer, text).nudge
        if choice == "edit":
            note_nudge_decide(
                nudge_id=nudge.pk, participant=writer, choice="edit", text="kind"
            )
        elif choice == "cancel":
            note_nudge_decide(nudge_id=nudge.pk, participant=writer, choice="cancel")
        else:
            note_nudge_decide(
                nudge_id=nudge.pk, participant=writer, choice="post_anyway"
            )
    figures = dashboard_figures()
    assert figures["note_nudge"]["reconsidered"] == 2
    assert figures["note_nudge"]["answered"] == 3
    assert figures["nudge"]["answered"] == 0
    page = logged_in(moderator).get(reverse("admin:challenge_entry_dashboard"))
    html = page.content.decode()
    assert "Kind notes: changed or withdrew" in html
    assert "2 of 3 people prompted before posting a note" in html


def test_a_notes_history_says_states_and_people_in_words(note, moderator):
    moderator.first_name = "Ada"
    moderator.save()
    note_moderate(note_id=note.pk, actor=moderator, remove=True, reason="insulting")
    page = logged_in(moderator).get(
        reverse("admin:challenge_note_change", args=[note.pk])
    )
    history = page.content.decode().split('id="events-group"')[1]
    history = history.split("</fieldset>")[0]
    assert f"{note.pk}: Published → Removed" in history
    assert "published →" not in history
    assert "Ada" in history
    assert moderator.username not in history
