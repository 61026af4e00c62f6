"""The moderation desk in the admin: the queue, the review page, decide & next, bulk actions."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse

from challenge.models import (
    Entry,
    EntryEvent,
    ModerationNotice,
)
from challenge.services.moderation import decisions
from tests.challenge.factories import (
    make_entries,
    make_entry,
    make_user,
)

pytestmark = pytest.mark.django_db
S = Entry.State


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
    # moderators download the processed file; the original is served to nobody
    assert f'href="/v/{entry.video_id}/video.mp4" download' in page
    assert "/original" not in page
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
    decisions.entry_approve(entry_id=entry.pk, actor=make_user(moderator=True))
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
    client, moderator, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from challenge.tasks import moderation_notice_send

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
    # Each notice is enqueued once, after the commit, to leave once the undo
    # window is over.
    enqueued = []

    def enqueue(args, countdown):
        assert countdown > settings.MODERATION_UNDO_SECONDS
        enqueued.append(args[0])

    monkeypatch.setattr(moderation_notice_send, "apply_async", enqueue)
    for callback in callbacks:
        callback()
    assert sorted(enqueued) == sorted(
        ModerationNotice.objects.values_list("pk", flat=True)
    )


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
