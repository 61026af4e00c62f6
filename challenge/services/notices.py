"""Mails sent at most once (moderation notices, guardian notices).

The notice is claimed with a conditional UPDATE (only one worker wins; a claim older
than CLAIM_STALE_AFTER belongs to a worker that died mid-send and is taken over),
then sent, then stamped `sent_at`. A retried or duplicate task finds it taken. A mail
failure releases the claim and raises, for the task to retry. A notice whose task was
lost (the broker was down when it was sent) is found by `notices_overdue` and sent
again by the sweep task.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone

from ..models.notices import SentOnce

log = logging.getLogger(__name__)
CLAIM_STALE_AFTER = timedelta(minutes=10)
# The tasks retry a failing mail server 8 times (9 claims); after that the notice
# stays unsent with its last error, for the admin to see.
MAX_ATTEMPTS = 9


def notice_deliver(
    *,
    model: type[SentOnce],
    notice_id: int,
    load: Callable[[int], SentOnce],
    build: Callable[[SentOnce], EmailMessage | str],
) -> None:
    """Send one notice at most once. `build` returns the message, or a short reason
    why nothing is to be sent (the notice is then closed with that reason)."""
    now = timezone.now()
    claimed = (
        model.objects.filter(pk=notice_id, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_STALE_AFTER))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return
    message = build(load(notice_id))
    if isinstance(message, str):
        model.objects.filter(pk=notice_id).update(
            sent_at=timezone.now(), last_error=message
        )
        return
    try:
        message.send()
    except (SMTPException, OSError) as error:
        model.objects.filter(pk=notice_id).update(
            claimed_at=None, last_error=str(error)[:200]
        )
        log.warning("%s %s not sent yet: %s", model.__name__, notice_id, error)
        raise
    model.objects.filter(pk=notice_id).update(sent_at=timezone.now(), last_error="")


def notices_overdue(*, model: type[SentOnce], now=None) -> list[int]:
    """Notices still unsent NOTICE_SWEEP_AFTER_SECONDS after they were made (every
    notice is due within the undo window, well before that): their task was lost.
    A notice a worker holds right now is left to it."""
    now = now or timezone.now()
    return list(
        model.objects.filter(
            sent_at__isnull=True,
            attempts__lt=MAX_ATTEMPTS,
            created_at__lt=now - timedelta(seconds=settings.NOTICE_SWEEP_AFTER_SECONDS),
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_STALE_AFTER))
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
