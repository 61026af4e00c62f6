"""The review desk (admin/challenge/entry/desk/): claims, priority, undo, the keys'
URLs and who may use them. Races on PostgreSQL: test_review_desk_races.py; the
browser, by keyboard only: tests/e2e/test_desk.py."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from challenge.models import (
    Entry,
    EntryEvent,
    GuardianConsent,
    GuardianNotice,
    ModerationNotice,
    Report,
)
from challenge.selectors.desk import desk_queue
from challenge.services import claims
from challenge.services.moderation import decisions, undo
from core.accounts import person_label
from tests.challenge.factories import make_entry, make_participant, make_user

pytestmark = pytest.mark.django_db
S = Entry.State
DESK = "admin:challenge_entry_desk"


def desk_entry_url(entry):
    return reverse("admin:challenge_entry_desk_entry", args=[entry.pk])


def decide_url(entry):
    return reverse("admin:challenge_entry_desk_decide", args=[entry.pk])


# --- Claims ---------------------------------------------------------------------------


def test_two_moderators_get_two_different_entries():
    older = make_entry(waited=dt.timedelta(hours=2))
    newer = make_entry(waited=dt.timedelta(hours=1))
    first, second = make_user(moderator=True), make_user(moderator=True)
    assert claims.entry_claim_next(moderator=first) == older
    assert claims.entry_claim_next(moderator=second) == newer
    assert claims.entry_claim_next(moderator=make_user(moderator=True)) is None


def test_opening_a_claimed_entry_gives_the_next_one(client):
    taken = make_entry(waited=dt.timedelta(hours=2))
    free = make_entry(waited=dt.timedelta(hours=1))
    holder = make_user(moderator=True)
    assert claims.entry_claim(entry_id=taken.pk, moderator=holder)
    other = make_user(moderator=True)
    client.force_login(other)
    response = client.get(desk_entry_url(taken), follow=True)
    assert response.redirect_chain[-1][0] == desk_entry_url(free)
    page = response.content.decode()
    assert f"{person_label(holder)} is reviewing entry {taken.pk}" in page
    taken.refresh_from_db()
    assert taken.claimed_by == holder


def test_a_moderator_holds_one_claim_at_a_time():
    first, second = make_entry(), make_entry()
    moderator = make_user(moderator=True)
    claims.entry_claim(entry_id=first.pk, moderator=moderator)
    claims.entry_claim(entry_id=second.pk, moderator=moderator)
    assert list(
        Entry.objects.filter(claimed_by=moderator).values_list("pk", flat=True)
    ) == [second.pk]


def test_a_claim_expires_by_itself(settings):
    settings.MODERATION_CLAIM_SECONDS = 60
    entry = make_entry()
    holder, other = make_user(moderator=True), make_user(moderator=True)
    assert claims.entry_claim(entry_id=entry.pk, moderator=holder)
    assert not claims.entry_claim(entry_id=entry.pk, moderator=other)
    Entry.objects.filter(pk=entry.pk).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert claims.entry_claim(entry_id=entry.pk, moderator=other)
    decisions.entry_approve(entry_id=entry.pk, actor=other)


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_on_an_entry_someone_else_holds_is_refused(decision):
    entry = make_entry()
    holder, other = make_user(moderator=True), make_user(moderator=True)
    claims.entry_claim(entry_id=entry.pk, moderator=holder)
    kwargs = {"reason": "spam"} if decision == "reject" else {}
    with pytest.raises(claims.EntryClaimed, match=person_label(holder)):
        decisions.DECISIONS[decision](entry_id=entry.pk, actor=other, **kwargs)
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW
    assert not EntryEvent.objects.filter(entry=entry, actor=other).exists()


def test_the_review_page_refuses_a_claimed_entry_with_a_message(client):
    entry = make_entry()
    holder = make_user(moderator=True)
    claims.entry_claim(entry_id=entry.pk, moderator=holder)
    client.force_login(make_user(moderator=True))
    response = client.post(
        reverse("admin:challenge_entry_decide", args=[entry.pk]),
        {"decision": "approve"},
        follow=True,
    )
    assert f"{person_label(holder)} is reviewing entry {entry.pk}" in (
        response.content.decode()
    )
    entry.refresh_from_db()
    assert entry.state == S.PENDING_REVIEW


def test_bulk_actions_skip_claimed_entries_and_say_so(client):
    entries = [make_entry() for _ in range(3)]
    holder = make_user(moderator=True)
    claims.entry_claim(entry_id=entries[0].pk, moderator=holder)
    client.force_login(make_user(moderator=True))
    response = client.post(
        reverse("admin:challenge_entry_changelist"),
        {"action": "approve_selected", "_selected_action": [e.pk for e in entries]},
        follow=True,
    )
    page = response.content.decode()
    assert "2 applied, 0 skipped" in page
    assert "1 entry is being reviewed by another moderator" in page
    assert Entry.objects.get(pk=entries[0].pk).state == S.PENDING_REVIEW


def test_the_next_pending_entry_of_the_review_page_leaves_claimed_ones_out(client):
    first = make_entry(waited=dt.timedelta(hours=3))
    claimed = make_entry(waited=dt.timedelta(hours=2))
    last = make_entry(waited=dt.timedelta(hours=1))
    claims.entry_claim(entry_id=claimed.pk, moderator=make_user(moderator=True))
    client.force_login(make_user(moderator=True))
    response = client.post(
        reverse("admin:challenge_entry_decide", args=[first.pk]),
        {"decision": "approve_next"},
    )
    assert f"/{last.pk}/change/" in response["Location"]


def test_approve_and_next_serves_a_waiting_minor_before_an_older_adult(
    client, settings
):
    settings.MODERATION_MINOR_MAX_WAIT_MINUTES = 60
    current = make_entry(waited=dt.timedelta(hours=4))
    make_entry(waited=dt.timedelta(hours=3))  # an adult's, older
    minor = make_entry(is_minor=True, waited=dt.timedelta(minutes=40))
    client.force_login(make_user(moderator=True))
    response = client.post(
        reverse("admin:challenge_entry_decide", args=[current.pk]),
        {"decision": "approve_next"},
    )
    assert response["Location"] == (
        reverse("admin:challenge_entry_change", args=[minor.pk]) + "?flow=1"
    )


# --- Priority ---------------------------------------------------------------------------


def test_priority_minors_overdue_then_signals_then_oldest(settings):
    settings.MODERATION_MINOR_MAX_WAIT_MINUTES = 60
    oldest = make_entry(waited=dt.timedelta(hours=5))
    reported = make_entry(state=S.HIDDEN, report_count=3, waited=dt.timedelta(hours=1))
    watched = make_entry(watched_hits=["idiot"], waited=dt.timedelta(hours=2))
    minor_due = make_entry(is_minor=True, waited=dt.timedelta(minutes=40))
    minor_fresh = make_entry(is_minor=True, waited=dt.timedelta(minutes=10))
    make_entry(state=S.APPROVED)  # not waiting for anyone
    assert list(desk_queue()) == [minor_due, watched, reported, oldest, minor_fresh]


def test_a_minor_never_waits_behind_a_long_backlog(settings, client):
    settings.MODERATION_MINOR_MAX_WAIT_MINUTES = 30
    for _ in range(20):
        make_entry(watched_hits=["stupid"], waited=dt.timedelta(hours=3))
    minor = make_entry(is_minor=True, waited=dt.timedelta(minutes=20))
    moderator = make_user(moderator=True)
    assert claims.entry_claim_next(moderator=moderator) == minor
    client.force_login(moderator)
    page = client.get(reverse("admin:challenge_entry_dashboard")).content.decode()
    assert "Minors waiting longest" in page
    assert f"@{minor.participant.handle}" in page


# --- Undo ---------------------------------------------------------------------------------


def test_undo_goes_back_through_the_state_machine_and_keeps_history(
    django_capture_on_commit_callbacks,
):
    entry = make_entry()
    moderator = make_user(moderator=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
        decision = EntryEvent.objects.filter(entry=entry).latest("id")
        undone = undo.entry_decision_undo(actor=moderator)
    assert undone.state == S.PENDING_REVIEW
    undoing = EntryEvent.objects.filter(entry=entry).latest("id")
    assert (undoing.from_state, undoing.to_state, undoing.reason, undoing.undoes) == (
        S.APPROVED,
        S.PENDING_REVIEW,
        "undo",
        decision,
    )
    assert EntryEvent.objects.filter(pk=decision.pk, to_state=S.APPROVED).exists()
    # The participant's email for the undone approval never leaves.
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    notice = ModerationNotice.objects.get(event=decision)
    assert notice.last_error == "decision undone"
    # The entry is back in the queue, held by the moderator who is looking at it.
    assert Entry.objects.get(pk=entry.pk).claimed_by == moderator


def test_a_notice_already_enqueued_is_not_sent_for_an_undone_decision():
    entry = make_entry()
    moderator = make_user(moderator=True)
    decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    decision = EntryEvent.objects.filter(entry=entry).latest("id")
    mail.outbox.clear()
    notice = ModerationNotice.objects.get(event=decision)
    ModerationNotice.objects.filter(pk=notice.pk).update(sent_at=None, last_error="")
    undo.entry_decision_undo(actor=moderator)
    ModerationNotice.objects.filter(pk=notice.pk).update(sent_at=None, last_error="")
    decisions.notice_send(notice_id=notice.pk)  # the delayed task arrives
    assert mail.outbox == []
    assert ModerationNotice.objects.get(pk=notice.pk).last_error == "decision undone"


def test_undoing_an_approval_drops_the_guardians_unsent_mail(
    django_capture_on_commit_callbacks,
):
    participant = make_participant(age=14, country="IT")
    entry = make_entry(participant=participant, is_minor=True)
    GuardianConsent.objects.create(
        entry=entry,
        guardian_email="parent@example.org",
        decision=GuardianConsent.Decision.CONFIRMED,
    )
    moderator = make_user(moderator=True)
    with django_capture_on_commit_callbacks(execute=False):
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
        assert GuardianNotice.objects.filter(kind="published").count() == 1
        undo.entry_decision_undo(actor=moderator)
    assert not GuardianNotice.objects.filter(kind="published").exists()
    # A later approval tells the guardian after all.
    with django_capture_on_commit_callbacks(execute=False):
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    assert GuardianNotice.objects.filter(kind="published").count() == 1


def test_undoing_a_removal_reopens_the_reports_it_resolved():
    entry = make_entry(state=S.HIDDEN)
    Report.objects.create(entry=entry, reporter_key="u:1", reason="spam", weight=1)
    Entry.objects.filter(pk=entry.pk).update(report_count=1)
    moderator = make_user(moderator=True)
    decisions.entry_reject(entry_id=entry.pk, actor=moderator, reason="bullying")
    assert Entry.objects.get(pk=entry.pk).report_count == 0
    entry = undo.entry_decision_undo(actor=moderator)
    assert (entry.state, entry.report_count) == (S.HIDDEN, 1)
    assert Report.objects.get(entry=entry).resolved_at is None


def test_undo_is_refused_after_the_window(settings):
    settings.MODERATION_UNDO_SECONDS = 10
    entry = make_entry()
    moderator = make_user(moderator=True)
    decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    EntryEvent.objects.filter(entry=entry, actor=moderator).update(
        created_at=timezone.now() - dt.timedelta(seconds=11)
    )
    with pytest.raises(undo.UndoNotPossible):
        undo.entry_decision_undo(actor=moderator)
    assert Entry.objects.get(pk=entry.pk).state == S.APPROVED


def test_undo_takes_back_only_my_own_last_decision_and_only_once():
    entry = make_entry()
    me, other = make_user(moderator=True), make_user(moderator=True)
    decisions.entry_approve(entry_id=entry.pk, actor=me)
    with pytest.raises(undo.UndoNotPossible):
        undo.entry_decision_undo(actor=other)
    undo.entry_decision_undo(actor=me)
    with pytest.raises(undo.UndoNotPossible):
        undo.entry_decision_undo(actor=me)  # an undo is not undone


def test_undo_of_a_decision_changed_since_is_refused():
    entry = make_entry()
    me, other = make_user(moderator=True), make_user(moderator=True)
    decisions.entry_approve(entry_id=entry.pk, actor=me)
    decisions.entry_hide(entry_id=entry.pk, actor=other)
    with pytest.raises(undo.UndoNotPossible):
        undo.entry_decision_undo(actor=me)
    assert Entry.objects.get(pk=entry.pk).state == S.HIDDEN


def test_a_stale_undo_button_undoes_nothing(client):
    first, second = make_entry(), make_entry()
    moderator = make_user(moderator=True)
    decisions.entry_approve(entry_id=first.pk, actor=moderator)
    old = EntryEvent.objects.filter(entry=first).latest("id")
    decisions.entry_approve(entry_id=second.pk, actor=moderator)
    client.force_login(moderator)
    response = client.post(
        reverse("admin:challenge_entry_desk_undo"), {"event": old.pk}, follow=True
    )
    assert "no decision of yours left to undo" in response.content.decode()
    assert Entry.objects.get(pk=first.pk).state == S.APPROVED
    assert Entry.objects.get(pk=second.pk).state == S.APPROVED


# --- The desk's pages and keys' URLs ---------------------------------------------------


def test_the_desk_opens_on_the_first_entry_and_shows_what_a_moderator_needs(client):
    minor = make_participant(age=14, country="IT", handle="luna_14")
    entry = make_entry(
        participant=minor,
        is_minor=True,
        caption="A <b>kind</b> day",
        watched_hits=[{"phrase": "idiot"}],
        nudge_outcome="posted_anyway",
        language="it",
    )
    moderation_done = make_entry(participant=minor, state=S.REJECTED)
    EntryEvent.objects.filter(entry=moderation_done, to_state=S.REJECTED).update(
        actor=make_user(moderator=True)
    )
    moderator = make_user(moderator=True)
    client.force_login(moderator)
    response = client.get(reverse(DESK), follow=True)
    assert response.redirect_chain == [(desk_entry_url(entry), HTTPStatus.FOUND)]
    page = response.content.decode()
    assert f"Entry {entry.pk} by @luna_14" in page
    assert "Minor, 13-15" in page
    assert "Italia" in page
    assert "&lt;b&gt;kind&lt;/b&gt;" in page
    assert "idiot" in page and "Posted anyway after nudge" in page
    assert "0 approved, 1 not accepted, 0 hidden" in page
    assert f'src="/v/{entry.video_id}/video.mp4"' in page
    assert "autoplay muted" in page
    assert 'data-key="a"' in page and 'data-reason-key="7"' in page
    assert "<script>" not in page  # no inline script under the strict CSP
    assert Entry.objects.get(pk=entry.pk).claimed_by == moderator


def test_the_page_names_the_next_entry_to_prefetch(client):
    first = make_entry(waited=dt.timedelta(hours=2))
    second = make_entry(waited=dt.timedelta(hours=1))
    client.force_login(make_user(moderator=True))
    page = client.get(desk_entry_url(first)).content.decode()
    assert f'data-next-entry="{second.pk}"' in page
    assert f'data-next-video="/v/{second.video_id}/video.mp4"' in page
    assert f'data-next-poster="/v/{second.video_id}/poster.webp"' in page


def test_approve_opens_the_next_entry(client):
    first = make_entry(waited=dt.timedelta(hours=2))
    second = make_entry(waited=dt.timedelta(hours=1))
    moderator = make_user(moderator=True)
    client.force_login(moderator)
    client.get(desk_entry_url(first))
    response = client.post(decide_url(first), {"decision": "approve"}, follow=True)
    assert response.redirect_chain[-1][0] == desk_entry_url(second)
    page = response.content.decode()
    assert f"Entry {first.pk} approved." in page
    assert "Undo" in page
    assert Entry.objects.get(pk=first.pk).state == S.APPROVED
    assert Entry.objects.get(pk=first.pk).claimed_by is None


def test_the_script_gets_the_next_page_in_one_answer(client):
    first = make_entry(waited=dt.timedelta(hours=2))
    second = make_entry(waited=dt.timedelta(hours=1))
    client.force_login(make_user(moderator=True))
    response = client.post(
        decide_url(first),
        {"decision": "reject", "reason": "spam", "seen_state": S.PENDING_REVIEW},
        headers={"X-Requested-With": "desk"},
    )
    assert response.status_code == HTTPStatus.OK
    assert response["X-Desk-Location"] == desk_entry_url(second)
    assert f'data-entry="{second.pk}"' in response.content.decode()
    assert Entry.objects.get(pk=first.pk).state == S.REJECTED


def test_reject_needs_a_reason(client):
    entry = make_entry()
    client.force_login(make_user(moderator=True))
    response = client.post(decide_url(entry), {"decision": "reject"}, follow=True)
    assert "Choose a reason to reject." in response.content.decode()
    assert response.redirect_chain[-1][0] == desk_entry_url(entry)
    assert Entry.objects.get(pk=entry.pk).state == S.PENDING_REVIEW


def test_skip_gives_the_entry_back_and_does_not_serve_it_again(client):
    first = make_entry(waited=dt.timedelta(hours=2))
    second = make_entry(waited=dt.timedelta(hours=1))
    client.force_login(make_user(moderator=True))
    client.get(desk_entry_url(first))
    response = client.post(decide_url(first), {"decision": "skip"}, follow=True)
    assert response.redirect_chain[-1][0] == desk_entry_url(second)
    assert Entry.objects.get(pk=first.pk).claimed_by is None
    assert Entry.objects.get(pk=first.pk).state == S.PENDING_REVIEW
    response = client.get(reverse(DESK), follow=True)
    assert response.redirect_chain[-1][0] == desk_entry_url(second)


def test_hidden_entries_are_restored_with_the_approve_key(client):
    entry = make_entry(state=S.HIDDEN, report_count=3)
    client.force_login(make_user(moderator=True))
    page = client.get(desk_entry_url(entry)).content.decode()
    assert "Restore to the gallery" in page
    client.post(decide_url(entry), {"decision": "approve", "seen_state": S.HIDDEN})
    assert Entry.objects.get(pk=entry.pk).state == S.APPROVED


# The review page and the desk post the same DecisionForm, applied by one function
# (decisions.entry_decide): the same decision does the same thing on both pages.
DECISION_PAGES = {
    "review page": "admin:challenge_entry_decide",
    "desk": "admin:challenge_entry_desk_decide",
}


@pytest.mark.parametrize("page", DECISION_PAGES)
def test_approving_an_entry_seen_hidden_restores_it(client, page):
    entry = make_entry(state=S.HIDDEN, report_count=3)
    client.force_login(make_user(moderator=True))
    response = client.post(
        reverse(DECISION_PAGES[page], args=[entry.pk]),
        {"decision": "approve", "seen_state": S.HIDDEN},
        follow=True,
    )
    assert f"Entry {entry.pk} is back in the gallery." in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).state == S.APPROVED


@pytest.mark.parametrize("page", DECISION_PAGES)
def test_approving_an_entry_seen_waiting_never_restores_it_once_hidden(client, page):
    # Approved by a colleague meanwhile, then hidden after reports: approving what
    # the moderator saw waiting must not put it back without their seeing the
    # reports.
    entry = make_entry(state=S.HIDDEN, report_count=3)
    client.force_login(make_user(moderator=True))
    response = client.post(
        reverse(DECISION_PAGES[page], args=[entry.pk]),
        {"decision": "approve", "seen_state": S.PENDING_REVIEW},
        follow=True,
    )
    assert f"Nothing changed: entry {entry.pk} is now" in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).state == S.HIDDEN
    assert not EntryEvent.objects.filter(entry=entry, reason="restored").exists()


def test_previous_and_next_follow_the_entries_seen(client):
    first = make_entry(waited=dt.timedelta(hours=2))
    second = make_entry(waited=dt.timedelta(hours=1))
    client.force_login(make_user(moderator=True))
    client.get(desk_entry_url(first))
    page = client.post(
        decide_url(first), {"decision": "approve"}, follow=True
    ).content.decode()
    assert f'href="{desk_entry_url(first)}" data-key="k"' in page
    page = client.get(desk_entry_url(first)).content.decode()
    assert "Live in the gallery" in page  # decided: shown, not claimed
    assert f'href="{desk_entry_url(second)}" data-key="j"' in page


def test_the_empty_desk_says_so(client):
    client.force_login(make_user(moderator=True))
    response = client.get(reverse(DESK))
    assert response.status_code == HTTPStatus.OK
    assert "Nothing is waiting for you." in response.content.decode()


def test_undo_from_the_desk(client):
    entry = make_entry()
    moderator = make_user(moderator=True)
    client.force_login(moderator)
    client.get(desk_entry_url(entry))
    client.post(
        decide_url(entry),
        {"decision": "reject", "reason": "bullying", "seen_state": S.PENDING_REVIEW},
    )
    response = client.post(reverse("admin:challenge_entry_desk_undo"), follow=True)
    assert response.redirect_chain[-1][0] == desk_entry_url(entry)
    assert "Undone: entry" in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).state == S.PENDING_REVIEW


# --- Who may use the desk ------------------------------------------------------------------


def _login(client, role):
    users = {
        "participant": lambda: make_participant().user,
        "staff": lambda: make_user(staff=True),
        "viewer": lambda: make_user(
            staff=True, perms=("challenge.view_entry", "challenge.view_entryevent")
        ),
        "moderator": lambda: make_user(moderator=True),
        "superuser": lambda: make_user(superuser=True),
    }
    if role != "anonymous":
        client.force_login(users[role]())


DESK_URLS = [
    ("get", "desk", False),
    ("get", "desk_entry", True),
    ("post", "desk_decide", True),
    ("post", "desk_undo", False),
]


@pytest.mark.parametrize(("method", "name", "with_id"), DESK_URLS)
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", "login"),
        ("participant", "login"),
        ("staff", HTTPStatus.FORBIDDEN),
        ("viewer", HTTPStatus.FORBIDDEN),
        ("moderator", "allowed"),
        ("superuser", "allowed"),
    ],
)
def test_every_desk_url_is_for_moderators_only(
    client, method, name, with_id, role, expected
):
    entry = make_entry()
    _login(client, role)
    url = reverse(f"admin:challenge_entry_{name}", args=[entry.pk] if with_id else [])
    response = getattr(client, method)(url, {"decision": "approve"})
    if expected == "login":
        assert response.status_code == HTTPStatus.FOUND
        assert "/admin/login/" in response["Location"]
    elif expected == "allowed":
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    else:
        assert response.status_code == expected
    if role not in ("moderator", "superuser"):
        entry.refresh_from_db()
        assert (entry.state, entry.claimed_by) == (S.PENDING_REVIEW, None)


def test_decide_and_undo_refuse_get(client):
    entry = make_entry()
    client.force_login(make_user(moderator=True))
    assert client.get(decide_url(entry)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert (
        client.get(reverse("admin:challenge_entry_desk_undo")).status_code
        == HTTPStatus.METHOD_NOT_ALLOWED
    )


def test_a_forged_entry_id_is_a_404(client):
    client.force_login(make_user(moderator=True))
    assert (
        client.get(
            reverse("admin:challenge_entry_desk_entry", args=[999999])
        ).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert (
        client.post(
            reverse("admin:challenge_entry_desk_decide", args=[999999]),
            {"decision": "approve"},
        ).status_code
        == HTTPStatus.NOT_FOUND
    )
