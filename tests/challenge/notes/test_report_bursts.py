"""Issue "deletes that win", point 4: a burst of reports on one note, from new
accounts on one network, reaches the moderators at once, as entry reports do,
instead of holding the note without a word.

The reports go through the real report form, each from its own account and address
(REMOTE_ADDR), the alert through the task on commit."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from challenge.models import Entry, Note, NoteReport
from challenge.services.notes.moderators import note_moderate
from challenge.services.privacy import account_delete, participant_data
from config.celery import app as celery_app
from tests.challenge.factories import make_entry, make_participant, make_user

from .helpers import old_account, write

pytestmark = pytest.mark.django_db
ALERT = "Burst of reports on note"


@pytest.fixture
def note(settings):
    settings.NOTES_HOLD_AT_REPORTS = 2
    settings.MODERATION_BURST_REPORTS = 5
    settings.MODERATION_BURST_ONE_NETWORK = 3
    settings.MODERATION_BURST_MINUTES = 10
    settings.MODERATION_ALERT_EMAILS = ["safety@kindness.example"]
    entry = make_entry(state=Entry.State.APPROVED)
    return write(entry, make_participant(handle="quiet_writer"), "I liked it").note


def new_account():
    """A verified account made today: its report weighs a half."""
    return make_user()


def report(note, user, address: str) -> int:
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    url = reverse("gallery:note_report", args=[note.pk])
    client.get(url)
    return client.post(url, {"reason": "bullying"}).status_code


def alerts(mailoutbox):
    return [m for m in mailoutbox if ALERT in m.subject]


def test_new_accounts_on_one_network_are_a_burst_before_they_hold_the_note(
    note, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert report(note, new_account(), f"203.0.113.{n + 10}") == HTTPStatus.OK
    note.refresh_from_db()
    # Three halves: not yet held, but the moderators know now.
    assert note.state == Note.State.PUBLISHED
    assert note.report_burst_at is not None
    [alert] = alerts(mailoutbox)
    assert set(alert.to) >= {"safety@kindness.example"}
    assert f"/admin/challenge/note/{note.pk}/change/" in alert.body
    assert "3 of them came from new accounts on one network" in alert.body
    assert "@quiet_writer" in alert.body
    # A fourth holds it (two full weights); the burst is told once.
    with django_capture_on_commit_callbacks(execute=True):
        report(note, new_account(), "203.0.113.99")
    note.refresh_from_db()
    assert note.state == Note.State.HELD
    assert len(alerts(mailoutbox)) == 1
    # Only a keyed hash of the network is kept, the same for the four.
    hashes = set(NoteReport.objects.values_list("network_hash", flat=True))
    assert len(hashes) == 1
    assert "203.0.113" not in hashes.pop()


def test_new_accounts_on_different_networks_are_no_burst(
    note, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for address in ("203.0.113.5", "198.51.100.5", "192.0.2.5"):
            report(note, new_account(), address)
    note.refresh_from_db()
    assert note.report_burst_at is None
    assert alerts(mailoutbox) == []


def test_old_accounts_on_one_network_are_no_burst_below_the_count(
    note, mailoutbox, django_capture_on_commit_callbacks
):
    """A school's pupils reporting one hurtful note from the school's network, with
    accounts they have had for weeks, are trusted reporters: their reports hold the
    note at NOTES_HOLD_AT_REPORTS without a burst alert."""
    with django_capture_on_commit_callbacks(execute=True):
        report(note, old_account(), "203.0.113.5")
        report(note, old_account(), "203.0.113.6")
    note.refresh_from_db()
    assert note.state == Note.State.HELD
    assert note.report_burst_at is None
    assert alerts(mailoutbox) == []


def test_many_reports_from_anywhere_are_a_burst_as_on_entries(
    note, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.NOTES_HOLD_AT_REPORTS = 100
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            report(note, old_account(), f"198.51.{n}.7")
    note.refresh_from_db()
    assert note.report_burst_at is not None
    [alert] = alerts(mailoutbox)
    assert "new accounts on one network" not in alert.body
    route = celery_app.amqp.router.route(
        {}, "challenge.tasks.send_note_report_burst_alert"
    )
    assert route["queue"].name == "notices"
    from challenge.tasks import send_note_report_burst_alert

    assert send_note_report_burst_alert(note.pk) is False


def test_a_decision_ends_the_burst_and_a_new_one_alerts_again(
    note, mailoutbox, django_capture_on_commit_callbacks
):
    moderator = make_user(moderator=True)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            report(note, new_account(), f"203.0.113.{n}")
    note_moderate(note_id=note.pk, actor=moderator, remove=False, reason="fine")
    note.refresh_from_db()
    assert (note.state, note.report_burst_at, note.report_count) == (
        Note.State.PUBLISHED, None, 0,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            report(note, new_account(), f"198.51.100.{n}")
    note.refresh_from_db()
    assert note.report_burst_at is not None
    assert len(alerts(mailoutbox)) == 2


def test_the_burst_shows_in_the_moderators_queue(note, client):
    for n in range(3):
        report(note, new_account(), f"203.0.113.{n}")
    client.force_login(make_user(moderator=True))
    page = client.get(reverse("admin:challenge_note_changelist")).content.decode()
    assert "Burst of reports at" in page or "burst of reports at" in page.lower()


def test_an_alert_that_cannot_be_sent_is_tried_again(note, settings, mailoutbox):
    from challenge.services.notes.reports import note_report_burst_alert_send

    for n in range(3):
        report(note, new_account(), f"203.0.113.{n}")
    settings.EMAIL_BACKEND = "tests.challenge.notes.test_report_bursts.Refusing"
    with pytest.raises(OSError):
        note_report_burst_alert_send(note_id=note.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert note_report_burst_alert_send(note_id=note.pk) is True
    assert note_report_burst_alert_send(note_id=note.pk) is False


class Refusing:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("the mail server is away")


def test_the_reporters_network_hash_is_theirs_and_goes_with_the_account(note):
    reporter = new_account()
    make_participant(user=reporter)
    report(note, reporter, "203.0.113.7")
    [row] = participant_data(user=reporter)["notes"]["reports_made"]
    assert len(row["network_hash"]) == 64
    reporter.date_joined = timezone.now() - dt.timedelta(days=1)
    account_delete(user=reporter)
    kept = NoteReport.objects.get()
    assert (kept.user_id, kept.network_hash) == (None, "")


def test_a_moderator_keeps_a_reported_note_and_it_leaves_the_queue(note, client):
    """ "Restore" on a published note with open reports keeps it: the reports are
    resolved, the decision and its reason are in the note's history."""
    moderator = make_user(moderator=True)
    report(note, old_account(), "198.51.100.1")
    note_moderate(note_id=note.pk, actor=moderator, remove=False, reason="kind")
    note.refresh_from_db()
    assert (note.state, note.report_count) == (Note.State.PUBLISHED, 0)
    event = note.events.get()
    assert (event.from_state, event.to_state, event.reason, event.actor) == (
        "published", "published", "kind", moderator,
    )  # fmt: skip
    client.force_login(moderator)
    queue = client.get(reverse("admin:challenge_note_changelist"))
    assert note.pk not in {n.pk for n in queue.context["cl"].result_list}
    # Nothing to keep a second time, and an unreported note is not "kept".
    assert not note_moderate(note_id=note.pk, actor=moderator, remove=False, reason="x")
