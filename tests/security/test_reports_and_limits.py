"""Issue "trust boundary", section 6: reports and limits that cannot be turned
against people.

Each test performs the attack for real: HTTP requests through the test client, and
parallel requests on PostgreSQL (threads, each with its own connection) for races.
"""

import datetime as dt
import re
import time
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from challenge.models import Entry, EntryEvent, Report
from config.celery import app as celery_app
from tests.challenge.factories import PASSWORD, make_entry, make_user
from tests.conftest import race

S = Entry.State


def _account(*, verified=True, age_days=30, email=None):
    """A signed-up account, `age_days` old, with its address verified or not."""
    user = make_user(email=email, verified=verified, password=PASSWORD)
    user.date_joined = timezone.now() - dt.timedelta(days=age_days)
    user.save(update_fields=["date_joined"])
    return user


def _report_url(entry) -> str:
    return reverse("gallery:report", kwargs={"pk": entry.pk})


def _detail_url(entry) -> str:
    return reverse("gallery:detail", kwargs={"pk": entry.pk})


def _report(entry, *, user=None, reason="bullying") -> int:
    """One visitor's report, as a browser sends it: the form, then the POST."""
    visitor = Client()
    if user is not None:
        visitor.force_login(user)
    visitor.get(_report_url(entry))
    return visitor.post(_report_url(entry), {"reason": reason}).status_code


# --- 1. Reports ---------------------------------------------------------------------


def test_three_cookieless_anonymous_clients_cannot_hide_an_entry(db, client, settings):
    settings.MODERATION_HIDE_AT_REPORTS = 3
    entry = make_entry(state=S.APPROVED)
    for _ in range(5):
        assert _report(entry) == HTTPStatus.OK
    # Still in the gallery...
    assert Client().get(_detail_url(entry)).status_code == HTTPStatus.OK
    entry.refresh_from_db()
    assert entry.state == S.APPROVED
    assert not EntryEvent.objects.filter(entry=entry, to_state=S.HIDDEN).exists()
    # ...but every report reached the moderators: the count, the badge, the list.
    assert entry.report_count == 5
    assert Report.objects.filter(entry=entry, weight=0).count() == 5
    client.force_login(make_user(moderator=True))
    queue = client.get(
        reverse("admin:challenge_entry_changelist") + "?state=all&signal=reported"
    )
    assert "5 reports" in queue.content.decode()
    reports = client.get(reverse("admin:challenge_report_changelist") + "?open=1")
    assert reports.content.decode().count("an anonymous visitor") == 5


@pytest.mark.parametrize(
    ("reporters", "hidden"),
    [
        pytest.param([{"verified": False}] * 4, False, id="unverified-accounts"),
        pytest.param([{"age_days": 1}] * 4, False, id="four-new-accounts-weigh-two"),
        pytest.param([{"age_days": 1}] * 6, True, id="six-new-accounts-weigh-three"),
        pytest.param([{"age_days": 30}] * 2, False, id="two-established"),
        pytest.param([{"age_days": 30}] * 3, True, id="three-established"),
        pytest.param([{"age_days": 30}] * 2 + [{"age_days": 2}] * 2, True, id="mixed"),
    ],
)
def test_only_verified_accounts_weigh_toward_hiding(db, settings, reporters, hidden):
    settings.MODERATION_HIDE_AT_REPORTS = 3
    settings.MODERATION_NEW_ACCOUNT_DAYS = 7
    entry = make_entry(state=S.APPROVED)
    for reporter in reporters:
        assert _report(entry, user=_account(**reporter)) == HTTPStatus.OK
    entry.refresh_from_db()
    assert entry.report_count == len(reporters)
    assert entry.state == (S.HIDDEN if hidden else S.APPROVED)
    expected = HTTPStatus.NOT_FOUND if hidden else HTTPStatus.OK
    assert Client().get(_detail_url(entry)).status_code == expected
    if hidden:
        event = EntryEvent.objects.filter(entry=entry).latest("id")
        assert (event.actor, event.reason) == (None, "reports")


def test_one_account_reports_once_from_any_number_of_sessions(db, settings):
    settings.MODERATION_HIDE_AT_REPORTS = 2
    entry = make_entry(state=S.APPROVED)
    reporter = _account()
    for _ in range(3):  # three browsers, one account
        visitor = Client()
        visitor.force_login(reporter)
        visitor.get(_report_url(entry))
        visitor.post(_report_url(entry), {"reason": "unsafe"})
    assert Report.objects.filter(entry=entry).count() == 1
    entry.refresh_from_db()
    assert (entry.state, entry.report_count) == (S.APPROVED, 1)


def test_a_burst_of_reports_alerts_the_moderators_once(
    db, client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.MODERATION_HIDE_AT_REPORTS = 3
    settings.MODERATION_BURST_REPORTS = 4
    settings.MODERATION_BURST_MINUTES = 10
    settings.MODERATION_ALERT_EMAILS = ["safety@kindness.example"]
    moderator = make_user(moderator=True, email="mod@kindness.example")
    entry = make_entry(state=S.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(7):
            assert _report(entry) == HTTPStatus.OK
    entry.refresh_from_db()
    # Anonymous: nothing hidden, but the burst is flagged and told, once.
    assert entry.state == S.APPROVED
    assert entry.report_burst_at is not None
    alerts = [m for m in mailoutbox if "Burst of reports" in m.subject]
    assert len(alerts) == 1, [m.subject for m in mailoutbox]
    assert set(alerts[0].to) == {"safety@kindness.example", "mod@kindness.example"}
    assert f"/admin/challenge/entry/{entry.pk}/change/" in alerts[0].body
    # The alert goes through the notices queue.
    route = celery_app.amqp.router.route({}, "challenge.tasks.send_report_burst_alert")
    assert route["queue"].name == "notices"
    # A visible flag in the admin, and a filter for it.
    client.force_login(moderator)
    queue = client.get(
        reverse("admin:challenge_entry_changelist") + "?state=all&signal=burst"
    )
    page = queue.content.decode()
    assert "Burst of reports" in page
    assert entry.caption[:20] in page
    # The task is idempotent: running it again sends nothing more.
    from challenge.tasks import send_report_burst_alert

    assert send_report_burst_alert(entry.pk) is False
    assert len([m for m in mailoutbox if "Burst of reports" in m.subject]) == 1


def test_a_moderator_decision_ends_the_burst(db, settings):
    from challenge.services.moderation import decisions

    settings.MODERATION_BURST_REPORTS = 2
    moderator = make_user(moderator=True)
    entry = make_entry(state=S.APPROVED)
    for _ in range(2):
        _report(entry)
    entry.refresh_from_db()
    assert entry.report_burst_at is not None
    decisions.entry_hide(entry_id=entry.pk, actor=moderator)
    decisions.entry_restore(entry_id=entry.pk, actor=moderator)
    entry.refresh_from_db()
    assert (entry.report_burst_at, entry.report_count) == (None, 0)


@pytest.mark.services
def test_verified_accounts_reporting_at_once_hide_once_and_alert_once(
    postgres_db, transactional_db, settings, mailoutbox
):
    settings.MODERATION_HIDE_AT_REPORTS = 3
    settings.MODERATION_BURST_REPORTS = 3
    settings.MODERATION_ALERT_EMAILS = ["safety@kindness.example"]
    entry = make_entry(state=S.APPROVED)
    reporters = [_account() for _ in range(6)]
    clients = []
    for reporter in reporters:
        visitor = Client()
        visitor.force_login(reporter)
        visitor.get(_report_url(entry))
        clients.append(visitor)
    results = race(
        [
            (
                lambda visitor=visitor: (
                    visitor.post(_report_url(entry), {"reason": "unsafe"}).status_code
                )
            )
            for visitor in clients
        ]
    )
    assert all(kind == "ok" for kind, _ in results), results
    entry.refresh_from_db()
    assert entry.state == S.HIDDEN
    assert EntryEvent.objects.filter(entry=entry, to_state=S.HIDDEN).count() == 1
    assert 3 <= Report.objects.filter(entry=entry).count() <= 6
    alerts = [m for m in mailoutbox if "Burst of reports" in m.subject]
    assert len(alerts) == 1


# --- 2. The daily entry limit ---------------------------------------------------------


@pytest.mark.services
def test_parallel_uploads_never_pass_the_daily_limit(
    postgres_db, transactional_db, campaign, upload, settings
):
    """Eight uploads posted at the same moment by one participant: exactly LIMIT
    entries exist afterwards, the others are refused with the limit's message."""
    from tests.challenge.factories import entry_post_data, make_participant

    settings.CHALLENGE_DAILY_ENTRY_LIMIT = 2
    participant = make_participant()
    url = reverse("challenge:submit")
    browsers = []
    for _ in range(8):
        browser = Client()
        browser.force_login(participant.user)
        browsers.append(browser)

    def post(browser):
        data = entry_post_data(upload(), caption="My friend helped me today")
        response = browser.post(url, data, HTTP_ACCEPT="application/json")
        return response.status_code

    results = race([lambda browser=browser: post(browser) for browser in browsers])
    assert all(kind == "ok" for kind, _ in results), results
    statuses = sorted(status for _, status in results)
    assert statuses.count(HTTPStatus.OK) == 2, statuses
    assert statuses.count(HTTPStatus.FORBIDDEN) == 6, statuses
    assert Entry.objects.filter(participant=participant).count() == 2


# --- 3. Login lock-outs -----------------------------------------------------------------


def _links(message) -> list[str]:
    return re.findall(r"https?://[^/\s]+(/\S+)", message.body)


def test_a_locked_out_owner_resets_by_mail_and_gets_in(db, mailoutbox):
    owner = _account(email="owner@kindness.example")
    login_url = reverse("account_login")
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(5):
        attacker.post(login_url, {"login": owner.email, "password": "guess-123"})
    locked = attacker.post(login_url, {"login": owner.email, "password": "guess-xyz"})
    assert "Too many failed login attempts" in locked.content.decode()

    # The real owner, from elsewhere, with the right password: paused, and told
    # how to get in now.
    browser = Client(REMOTE_ADDR="198.51.100.7")
    response = browser.post(login_url, {"login": owner.email, "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "_auth_user_id" not in browser.session
    assert 'id="login-locked-out"' in page
    reset_url = reverse("account_reset_password")
    assert f'href="{reset_url}"' in page

    # The reset by mail.
    assert browser.get(reset_url).status_code == HTTPStatus.OK
    sent = browser.post(reset_url, {"email": owner.email})
    assert sent.status_code == HTTPStatus.FOUND
    (mail_message,) = [m for m in mailoutbox if owner.email in m.to]
    (key_url,) = [
        link for link in _links(mail_message) if "/password/reset/key/" in link
    ]
    form_url = browser.get(key_url).url  # allauth keeps the key in the session
    done = browser.post(
        form_url, {"password1": "a-New-kind-pass-77", "password2": "a-New-kind-pass-77"}
    )
    assert done.status_code == HTTPStatus.FOUND
    # Signed in straight away, while the attacker is still guessing.
    assert browser.session["_auth_user_id"] == str(owner.pk)
    attacker.post(login_url, {"login": owner.email, "password": "guess-again"})
    # And the new password works on the next visit: the account's count was cleared.
    later = Client(REMOTE_ADDR="198.51.100.8")
    later.post(login_url, {"login": owner.email, "password": "a-New-kind-pass-77"})
    assert later.session["_auth_user_id"] == str(owner.pk)


# --- 4. Sign-up mails -------------------------------------------------------------------

SENT_CLAIM = "We have sent you an email: open the link in it to finish creating"


def _sign_up(browser, email):
    return browser.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )


def _mails_to(mailoutbox, email) -> int:
    return sum(email in message.to for message in mailoutbox)


@pytest.mark.parametrize("second_try", ["sign-up-again", "sign-in-unverified"])
def test_a_rate_limited_sign_up_never_claims_a_mail_was_sent(
    db, mailoutbox, second_try
):
    email = "new-kid@kindness.example"
    first = _sign_up(Client(), email)
    assert SENT_CLAIM in first.content.decode()
    assert _mails_to(mailoutbox, email) == 1
    # A minute later, from another browser: the address already had its mail.
    other = Client()
    if second_try == "sign-up-again":
        response = _sign_up(other, email)
    else:
        response = other.post(
            reverse("account_login"),
            {"login": email, "password": PASSWORD},
            follow=True,
        )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert _mails_to(mailoutbox, email) == 1
    assert SENT_CLAIM not in page
    assert 'id="verification-mail-limited"' in page


def test_the_confirmation_page_sends_the_mail_again_within_limits(
    db, mailoutbox, monkeypatch, settings
):
    from allauth.core.internal import ratelimit as allauth_ratelimit

    email = "again@kindness.example"
    browser = Client()
    page = _sign_up(browser, email).content.decode()
    resend_url = reverse("account_verification_resend")
    assert f'action="{resend_url}"' in page
    assert 'method="post"' in page
    assert browser.get(resend_url).status_code == HTTPStatus.METHOD_NOT_ALLOWED

    # At once: the address had its mail a moment ago. Nothing sent, and said so.
    response = browser.post(resend_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert 'id="verification-mail-limited"' in response.content.decode()
    assert SENT_CLAIM not in response.content.decode()
    assert _mails_to(mailoutbox, email) == 1

    # Four minutes later: a new mail, and the page says it went.
    real_time = time.time
    monkeypatch.setattr(allauth_ratelimit.time, "time", lambda: real_time() + 240)
    response = browser.post(resend_url, follow=True)
    assert SENT_CLAIM in response.content.decode()
    assert _mails_to(mailoutbox, email) == 2
    (link,) = {path for path in _links(mailoutbox[-1]) if "/confirm-email/" in path}
    assert link

    # The button itself is limited per address of the visitor: a clear 429 page.
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "resend_confirmation": "3/m/ip",
    }
    statuses = [browser.post(resend_url).status_code for _ in range(4)]
    assert statuses[-1] == HTTPStatus.TOO_MANY_REQUESTS
    assert _mails_to(mailoutbox, email) == 2


def test_the_resend_button_without_a_pending_sign_up_sends_nothing(db, mailoutbox):
    response = Client().post(reverse("account_verification_resend"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert "Log in again" in response.content.decode()
    assert mailoutbox == []
