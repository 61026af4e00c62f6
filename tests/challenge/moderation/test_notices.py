"""The emails that tell a participant about a decision: language, reason, once, after commit."""

from smtplib import SMTPException

import pytest
from django.core import mail

from campaign.models import Helpline
from challenge.models import (
    Entry,
    ModerationNotice,
    RejectReason,
)
from challenge.services.moderation import decisions
from tests.challenge.factories import (
    make_entry,
    make_participant,
)

pytestmark = pytest.mark.django_db
S = Entry.State


def test_approval_email_in_the_participants_language_with_the_link(
    moderator, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://kind.example"
    entry = make_entry(participant=make_participant(language="fr"))
    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
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
        decisions.entry_reject(
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
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    notice = ModerationNotice.objects.get()
    moderation_notice_send.delay(notice.pk)
    moderation_notice_send(notice.pk)
    assert len(mail.outbox) == 1


def test_notice_waits_for_the_commit(moderator, django_capture_on_commit_callbacks):
    entry = make_entry()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_mail_failure_releases_the_claim_for_a_retry(moderator, monkeypatch):
    from challenge import tasks as moderation_tasks

    entry = make_entry()
    decisions.entry_approve(entry_id=entry.pk, actor=moderator)
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


def test_a_decision_while_the_broker_is_down_is_kept_and_the_sweep_mails_it_once(
    moderator, django_capture_on_commit_callbacks, broker_down, settings
):
    import datetime as dt

    from django.utils import timezone

    from challenge.services.notices import notices_overdue
    from challenge.tasks import sweep_notices

    entry = make_entry()
    with django_capture_on_commit_callbacks(execute=True):
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)

    entry.refresh_from_db()
    assert entry.state == S.APPROVED
    assert mail.outbox == []
    notice = ModerationNotice.objects.get()
    assert notices_overdue(model=ModerationNotice) == []  # not due yet
    broker_down()  # the broker is back
    settings.NOTICE_SWEEP_AFTER_SECONDS = 0
    assert notices_overdue(model=ModerationNotice) == [notice.pk]
    assert sweep_notices() == 1
    assert sweep_notices() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [entry.participant.user.email]
    notice.refresh_from_db()
    assert notice.sent_at is not None
    later = timezone.now() + dt.timedelta(hours=1)
    assert notices_overdue(model=ModerationNotice, now=later) == []
