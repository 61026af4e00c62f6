"""Moderation: decisions, bulk, reports, notices, the admin desk, the audit log."""

import csv
import io
from http import HTTPStatus
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from campaign.models import Helpline
from challenge.models import (
    Entry,
    EntryEvent,
    ModerationNotice,
    RejectReason,
    Report,
)
from challenge.services import moderation
from challenge.states import TransitionNotAllowed
from tests.challenge.factories import (
    make_entries,
    make_entry,
    make_participant,
    make_user,
)

pytestmark = pytest.mark.django_db
S = Entry.State


# --- Services --------------------------------------------------------------------------


def test_approve_records_who_and_when(moderator, django_capture_on_commit_callbacks):
    entry = make_entry()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.entry_approve(entry_id=entry.pk, actor=moderator, note="lovely")
    entry.refresh_from_db()
    assert entry.state == S.APPROVED
    assert entry.approved_at is not None
    event = entry.events.order_by("-id").first()
    assert (event.actor, event.from_state, event.to_state, event.note) == (
        moderator,
        S.PENDING_REVIEW,
        S.APPROVED,
        "lovely",
    )


def test_a_decided_entry_cannot_be_decided_again(moderator):
    entry = make_entry()
    moderation.entry_approve(entry_id=entry.pk, actor=moderator)
    with pytest.raises(TransitionNotAllowed):
        moderation.entry_approve(entry_id=entry.pk, actor=moderator)
    assert entry.events.filter(to_state=S.APPROVED).count() == 1


def test_reject_needs_a_known_reason(moderator):
    entry = make_entry()
    with pytest.raises(ValueError):
        moderation.entry_reject(entry_id=entry.pk, actor=moderator, reason="because")
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW


@pytest.mark.parametrize(
    "user_kind", ["participant", "staff", "staff_viewer", "inactive_moderator"]
)
def test_only_moderators_may_decide(user_kind):
    users = {
        "participant": lambda: make_user(),
        "staff": lambda: make_user(staff=True),
        "staff_viewer": lambda: make_user(staff=True, perms=("challenge.view_entry",)),
        "inactive_moderator": lambda: _inactive(make_user(moderator=True)),
    }
    entry = make_entry()
    with pytest.raises(PermissionDenied):
        moderation.entry_approve(entry_id=entry.pk, actor=users[user_kind]())
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW


def _inactive(user):
    user.is_active = False
    user.save()
    return user


def test_hide_and_restore(moderator):
    entry = make_entry(state=S.APPROVED)
    moderation.entry_hide(entry_id=entry.pk, actor=moderator)
    entry.refresh_from_db()
    assert entry.state == S.HIDDEN
    moderation.entry_restore(entry_id=entry.pk, actor=moderator)
    entry.refresh_from_db()
    assert entry.state == S.APPROVED
    with pytest.raises(TransitionNotAllowed):
        moderation.entry_restore(entry_id=entry.pk, actor=moderator)


def test_restore_does_not_apply_to_a_pending_entry(moderator):
    entry = make_entry()
    with pytest.raises(TransitionNotAllowed):
        moderation.entry_restore(entry_id=entry.pk, actor=moderator)


def test_bulk_applies_what_it_can_and_skips_the_rest(moderator):
    pending = make_entries(5)
    already = make_entry(state=S.APPROVED)
    withdrawn = make_entry(state=S.WITHDRAWN)
    result = moderation.entries_decide(
        entry_ids=[e.pk for e in pending] + [already.pk, withdrawn.pk, 999_999],
        decision="approve",
        actor=moderator,
    )
    assert sorted(result.applied) == sorted(e.pk for e in pending)
    assert sorted(result.skipped) == sorted([already.pk, withdrawn.pk, 999_999])
    assert Entry.objects.filter(state=S.APPROVED).count() == 6


def test_reports_hide_an_entry_at_the_threshold(settings):
    settings.MODERATION_HIDE_AT_REPORTS = 3
    entry = make_entry(state=S.APPROVED)
    for number in range(2):
        moderation.report_create(
            entry_id=entry.pk, reporter_key=f"s:{number}", reason="bullying"
        )
    entry.refresh_from_db()
    assert (entry.state, entry.report_count) == (S.APPROVED, 2)
    moderation.report_create(entry_id=entry.pk, reporter_key="s:x", reason="spam")
    entry.refresh_from_db()
    assert entry.state == S.HIDDEN
    event = entry.events.order_by("-id").first()
    assert (event.actor, event.reason, event.to_state) == (None, "reports", S.HIDDEN)


def test_one_report_per_reporter():
    entry = make_entry(state=S.APPROVED)
    moderation.report_create(entry_id=entry.pk, reporter_key="u:1", reason="spam")
    with pytest.raises(moderation.ReportRefused):
        moderation.report_create(entry_id=entry.pk, reporter_key="u:1", reason="spam")
    assert Report.objects.count() == 1


def test_a_pending_entry_cannot_be_reported():
    entry = make_entry()
    with pytest.raises(moderation.ReportRefused):
        moderation.report_create(entry_id=entry.pk, reporter_key="u:1", reason="spam")


def test_restore_resolves_open_reports(moderator, settings):
    settings.MODERATION_HIDE_AT_REPORTS = 2
    entry = make_entry(state=S.APPROVED)
    for key in ("a", "b"):
        moderation.report_create(entry_id=entry.pk, reporter_key=key, reason="spam")
    moderation.entry_restore(entry_id=entry.pk, actor=moderator)
    entry.refresh_from_db()
    assert (entry.state, entry.report_count) == (S.APPROVED, 0)
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    # One new report does not hide it again at once.
    moderation.report_create(entry_id=entry.pk, reporter_key="c", reason="spam")
    entry.refresh_from_db()
    assert entry.state == S.APPROVED


# --- Notices ---------------------------------------------------------------------------


def test_approval_email_in_the_participants_language_with_the_link(
    moderator, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://kind.example"
    entry = make_entry(participant=make_participant(language="fr"))
    with django_capture_on_commit_callbacks(execute=True):
        moderation.entry_approve(entry_id=entry.pk, actor=moderator)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [entry.participant.user.email]
    assert f"https://kind.example/fr/gallery/{entry.pk}/" in message.body
    assert ModerationNotice.objects.get().sent_at is not None


def test_rejection_email_gives_the_reason_and_a_helpline(
    moderator, django_capture_on_commit_callbacks
):
    Helpline.objects.create(country="IT", name="Telefono Azzurro", number="19696")
    Helpline.objects.create(country="FR", name="3018", number="3018")
    entry = make_entry(participant=make_participant(language="it", country="IT"))
    with django_capture_on_commit_callbacks(execute=True):
        moderation.entry_reject(
            entry_id=entry.pk,
            actor=moderator,
            reason=RejectReason.PERSONAL_INFO,
            note="internal: shows school name",
        )
    body = mail.outbox[0].body
    assert "Telefono Azzurro" in body
    assert "19696" in body
    assert "3018" not in body
    assert "internal" not in body  # the note stays with the team
    from django.utils import translation

    with translation.override("it"):
        assert str(RejectReason.PERSONAL_INFO.label) in body


def test_notice_is_sent_once_even_if_the_task_runs_twice(
    moderator, django_capture_on_commit_callbacks
):
    from challenge.tasks import moderation_notice_send

    entry = make_entry()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.entry_approve(entry_id=entry.pk, actor=moderator)
    notice = ModerationNotice.objects.get()
    moderation_notice_send.delay(notice.pk)
    moderation_notice_send(notice.pk)
    assert len(mail.outbox) == 1


def test_notice_waits_for_the_commit(moderator, django_capture_on_commit_callbacks):
    entry = make_entry()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.entry_approve(entry_id=entry.pk, actor=moderator)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_mail_failure_releases_the_claim_for_a_retry(moderator, monkeypatch):
    from challenge import tasks as moderation_tasks

    entry = make_entry()
    moderation.entry_approve(entry_id=entry.pk, actor=moderator)
    notice = ModerationNotice.objects.get()

    def refuse(self, *args, **kwargs):
        raise SMTPException("server said no")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(SMTPException):
        moderation_tasks.moderation_notice_send.run(notice.pk)
    notice.refresh_from_db()
    assert (notice.sent_at, notice.claimed_at, notice.attempts) == (None, None, 1)
    assert "server said no" in notice.last_error
    monkeypatch.undo()
    moderation_tasks.moderation_notice_send.run(notice.pk)
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert len(mail.outbox) == 1


def test_notice_task_retries_on_smtp_errors():
    from challenge.tasks import moderation_notice_send

    assert SMTPException in moderation_notice_send.autoretry_for
    assert OSError in moderation_notice_send.autoretry_for
    assert moderation_notice_send.retry_backoff


# --- The admin desk -----------------------------------------------------------------------

CHANGELIST = "admin:challenge_entry_changelist"


def test_queue_opens_on_pending_entries_oldest_first(client, moderator):
    from datetime import timedelta

    newer = make_entry(waited=timedelta(minutes=5), caption="newer one")
    older = make_entry(waited=timedelta(days=2), caption="older one")
    make_entry(state=S.APPROVED, caption="approved one")
    client.force_login(moderator)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "approved one" not in page
    assert page.index("older one") < page.index("newer one")
    assert [e.pk for e in response.context["cl"].result_list] == [older.pk, newer.pk]


def test_queue_shows_signals(client, moderator):
    make_entry(
        caption="signals here",
        report_count=2,
        watched_hits=["idiot"],
        nudge_outcome="posted_anyway",
        is_minor=True,
    )
    client.force_login(moderator)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "2 reports" in page
    assert "Watched: idiot" in page
    assert "Posted anyway after nudge" in page
    assert "/poster.webp" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"signal": "reported"}, {"reported"}),
        ({"signal": "watched"}, {"watched"}),
        ({"signal": "posted_anyway"}, {"nudged"}),
        ({"state": "all"}, {"reported", "watched", "nudged", "plain", "live"}),
        ({"state": "approved"}, {"live"}),
        ({"q": "watch"}, {"watched"}),
    ],
)
def test_queue_filters(client, moderator, query, expected):
    make_entry(caption="reported", report_count=1)
    make_entry(caption="watched", watched_hits=["stupid"])
    make_entry(caption="nudged", nudge_outcome="posted_anyway")
    make_entry(caption="plain")
    make_entry(caption="live", state=S.APPROVED)
    client.force_login(moderator)
    response = client.get(reverse(CHANGELIST), query)
    assert {e.caption for e in response.context["cl"].result_list} == expected


def test_queue_query_count_is_constant(client, moderator, django_assert_num_queries):
    """10 or 200 pending entries: the same queries (no per-row lookups)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_entries(10)
    client.force_login(moderator)
    client.get(reverse(CHANGELIST))  # warm up
    with CaptureQueriesContext(connection) as small:
        response = client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 10
    assert len(small) <= 12
    make_entries(190)
    with django_assert_num_queries(len(small)):
        response = client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 50


def test_review_page_plays_the_video_and_shows_the_history(client, moderator):
    entry = make_entry(caption="A <b>bold</b> caption")
    client.force_login(moderator)
    response = client.get(reverse("admin:challenge_entry_change", args=[entry.pk]))
    page = response.content.decode()
    assert f'src="/v/{entry.video_id}/video.mp4"' in page
    assert f'href="/v/{entry.video_id}/original"' in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert '"codec": "h264"' in page or "&quot;codec&quot;: &quot;h264&quot;" in page
    assert "Approve & next" in page
    assert 'accesskey="a"' in page
    assert "history" in page.lower()
    assert "View on site" not in page  # it would 404 for a pending entry


def test_staff_viewer_sees_no_decision_buttons(client):
    viewer = make_user(
        staff=True, perms=("challenge.view_entry", "challenge.view_entryevent")
    )
    entry = make_entry()
    client.force_login(viewer)
    page = client.get(
        reverse("admin:challenge_entry_change", args=[entry.pk])
    ).content.decode()
    assert "Approve & next" not in page
    assert "can look at entries but not decide" in page


def test_approve_and_next_opens_the_next_pending_entry(client, moderator):
    from datetime import timedelta

    first = make_entry(waited=timedelta(hours=3))
    second = make_entry(waited=timedelta(hours=2))
    client.force_login(moderator)
    response = client.post(
        reverse("admin:challenge_entry_decide", args=[first.pk]),
        {"decision": "approve_next"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == (
        reverse("admin:challenge_entry_change", args=[second.pk]) + "?flow=1"
    )
    page = client.get(response["Location"]).content.decode()
    assert "autofocus" in page


def test_reject_and_next_needs_a_reason(client, moderator):
    entry = make_entry()
    client.force_login(moderator)
    client.post(
        reverse("admin:challenge_entry_decide", args=[entry.pk]),
        {"decision": "reject_next"},
    )
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW
    response = client.post(
        reverse("admin:challenge_entry_decide", args=[entry.pk]),
        {"decision": "reject_next", "reason": "spam", "note": "link farm"},
    )
    entry.refresh_from_db()
    assert entry.state == S.REJECTED
    assert response["Location"] == reverse(CHANGELIST)  # queue empty
    assert entry.events.get(to_state=S.REJECTED).note == "link farm"


def test_rejecting_from_the_queue_never_removes_an_entry_just_approved(
    client, moderator
):
    entry = make_entry()
    moderation.entry_approve(entry_id=entry.pk, actor=make_user(moderator=True))
    client.force_login(moderator)
    response = client.post(
        reverse("admin:challenge_entry_decide", args=[entry.pk]),
        {"decision": "reject", "reason": "spam", "seen_state": S.PENDING_REVIEW},
        follow=True,
    )
    assert "Nothing changed" in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == S.APPROVED


def test_deciding_twice_in_the_admin_says_nothing_changed(client, moderator):
    entry = make_entry()
    client.force_login(moderator)
    url = reverse("admin:challenge_entry_decide", args=[entry.pk])
    client.post(url, {"decision": "approve"})
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert "Nothing changed" in response.content.decode()
    assert entry.events.filter(to_state=S.APPROVED).count() == 1


def test_bulk_approve_a_thousand_entries_in_one_action(
    client, moderator, django_capture_on_commit_callbacks
):
    make_entries(1000)
    already = make_entry(state=S.REJECTED)
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse(CHANGELIST) + "?state=all",
            {
                "action": "approve_selected",
                "select_across": "1",
                "index": "0",
                "_selected_action": [already.pk],
            },
            follow=True,
        )
    assert "1000 applied, 1 skipped" in response.content.decode()
    assert Entry.objects.filter(state=S.APPROVED).count() == 1000
    assert ModerationNotice.objects.count() == 1000
    assert mail.outbox == []  # nothing is sent inside the request
    assert len(callbacks) >= 1000  # each notice is enqueued after commit


def test_bulk_reject_asks_for_a_reason(client, moderator):
    entries = make_entries(3)
    client.force_login(moderator)
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "reject_selected",
            "index": "0",
            "_selected_action": [e.pk for e in entries],
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "admin/challenge/entry/bulk_reject.html" in [
        t.name for t in response.templates
    ]
    assert Entry.objects.filter(state=S.PENDING_REVIEW).count() == 3
    form = response.context["form"]
    response = client.post(
        reverse("admin:challenge_entry_bulk_reject"),
        {"ids": form.initial["ids"], "reason": "", "note": ""},
    )
    assert response.status_code == HTTPStatus.OK  # the form again, nothing done
    assert Entry.objects.filter(state=S.PENDING_REVIEW).count() == 3
    response = client.post(
        reverse("admin:challenge_entry_bulk_reject"),
        {"ids": form.initial["ids"], "reason": "off_theme", "note": "batch"},
        follow=True,
    )
    assert "3 applied, 0 skipped" in response.content.decode()
    assert set(
        EntryEvent.objects.filter(to_state=S.REJECTED).values_list("reason", flat=True)
    ) == {"off_theme"}


# --- Audit log and dashboard ------------------------------------------------------------


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


def test_dashboard_figures(client, moderator):
    from challenge.selectors.dashboard import dashboard_figures

    pending = make_entries(4)
    moderation.entry_approve(entry_id=pending[0].pk, actor=moderator)
    moderation.entry_reject(entry_id=pending[1].pk, actor=moderator, reason="spam")
    approved = make_entry(state=S.APPROVED)
    moderation.report_create(entry_id=approved.pk, reporter_key="a", reason="spam")
    figures = dashboard_figures()
    assert figures["queue_length"] == 2
    assert figures["approval_rate"] == 0.5
    assert figures["decided"] == 2
    assert figures["open_reports"] == 1
    assert figures["per_day"][-1]["total"] == 2
    assert len(figures["per_day"]) == 14
    client.force_login(moderator)
    response = client.get(reverse("admin:challenge_entry_dashboard"))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Waiting for review" in page
    assert "50%" in page


def test_admin_index_links_the_dashboard(client, moderator):
    client.force_login(moderator)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:challenge_entry_dashboard") in page
