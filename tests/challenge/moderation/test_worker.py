"""The notice goes through a real Celery worker on real Redis, once."""

import time

import pytest
from django.conf import settings
from django.db import transaction

from challenge.models import ModerationNotice
from challenge.services.moderation import decisions
from tests.challenge.factories import make_entry, make_participant, make_user

pytestmark = [pytest.mark.services, pytest.mark.worker, pytest.mark.slow]


def _mails_mentioning(text: str) -> list[str]:
    folder = settings.EMAIL_OUTBOX_DIR
    return [
        path.read_text(errors="replace")
        for path in folder.glob("*.log")
        if text in path.read_text(errors="replace")
    ]


def test_the_worker_sends_the_approval_notice_once_in_german(celery_worker):
    handle = f"worker_{int(time.time() * 1000) % 10**9}"
    entry = make_entry(participant=make_participant(handle=handle, language="de"))
    with transaction.atomic():
        decisions.entry_approve(entry_id=entry.pk, actor=make_user(moderator=True))
    notice = ModerationNotice.objects.get(event__entry=entry)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        notice.refresh_from_db()
        if notice.sent_at:
            break
        time.sleep(0.3)
    assert notice.sent_at, celery_worker.log.read_text()[-3000:]
    # A second delivery of the same task changes nothing.
    from challenge.tasks import moderation_notice_send

    moderation_notice_send.delay(notice.pk)
    time.sleep(2)
    # The outbox folder outlives the test database (entry ids repeat from one run
    # to the next): the handle, unique to this run, picks out this test's mail.
    mails = _mails_mentioning(f"@{handle}")
    assert len(mails) == 1, celery_worker.log.read_text()[-3000:]
    assert f"/de/gallery/{entry.pk}/" in mails[0]
