"""Celery tasks of the moderation desk: the participant's email about a decision.

Registered with the worker through challenge.tasks (autodiscovery) and
challenge.admin.
"""

import logging
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import ModerationNotice, RejectReason

log = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-send; take it over.
CLAIM_STALE_AFTER = timedelta(minutes=10)


def _claim(notice_id: int) -> bool:
    """Atomically take the notice for sending: only one worker ever wins."""
    now = timezone.now()
    return bool(
        ModerationNotice.objects.filter(pk=notice_id, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_STALE_AFTER))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def _message(notice: ModerationNotice) -> EmailMultiAlternatives:
    from campaign.selectors import helplines_for

    event = notice.event
    entry = event.entry
    participant = entry.participant
    language = participant.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "participant": participant,
            "entry": entry,
            "entry_url": settings.SITE_URL + entry.get_absolute_url(),
            "challenge_url": settings.SITE_URL + _reverse("challenge:index"),
            "help_url": settings.SITE_URL + _reverse("campaign:help"),
            "reason": RejectReason(event.reason).label
            if event.reason in RejectReason.values
            else "",
            "helplines": list(helplines_for(participant.country)),
        }
        name = f"gallery/email/entry_{notice.kind}"
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        body = render_to_string(f"{name}.txt", context)
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[participant.user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )


def _reverse(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def moderation_notice_send(notice_id: int) -> None:
    """Email the participant about one decision, at most once.

    Idempotent: the notice is claimed with a conditional UPDATE and stamped sent_at
    after the mail server accepted it; a retried or duplicate task finds it taken.
    A mail failure releases the claim and retries with backoff.
    """
    if not _claim(notice_id):
        return
    notice = ModerationNotice.objects.select_related(
        "event__entry__participant__user"
    ).get(pk=notice_id)
    if not notice.event.entry.participant.user.email:
        ModerationNotice.objects.filter(pk=notice_id).update(
            sent_at=timezone.now(), last_error="no email address"
        )
        return
    try:
        _message(notice).send()
    except (SMTPException, OSError) as error:
        ModerationNotice.objects.filter(pk=notice_id).update(
            claimed_at=None, last_error=str(error)[:200]
        )
        log.warning("notice %s not sent yet: %s", notice_id, error)
        raise
    ModerationNotice.objects.filter(pk=notice_id).update(
        sent_at=timezone.now(), last_error=""
    )
