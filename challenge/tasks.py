"""Challenge tasks: thin, idempotent, take ids, call services.

Each is registered under its name in challenge/jobs.py, which services send by
(core.jobs); nothing imports this module but Celery's autodiscovery.
"""

from smtplib import SMTPException

from celery import shared_task

from core.jobs import enqueue

from . import jobs
from .models import GuardianNotice, ModerationNotice
from .services import guardian, notices, privacy, submission, tiktok, uploads
from .services.moderation import decisions, reports
from .services.notes import reports as note_reports
from .services.notes.digest import note_digest_send, notes_digest_prepare
from .services.notes.guardian import notes_guardian_email_send
from .services.notes.writing import note_nudges_expire_abandoned


@shared_task(
    name=jobs.SEND_GUARDIAN_EMAIL,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_guardian_email(consent_id: int) -> None:
    """Sends nothing when the guardian has already answered."""
    guardian.guardian_email_send(consent_id=consent_id)


@shared_task(
    name=jobs.SEND_GUARDIAN_NOTICE,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_guardian_notice(notice_id: int) -> None:
    """Email the guardian after their "yes" (the withdraw link) or when the entry is
    published, at most once (see services.guardian.guardian_notice_send)."""
    guardian.guardian_notice_send(notice_id=notice_id)


@shared_task(name=jobs.EXPIRE_ABANDONED_NUDGES)
def expire_abandoned_nudges() -> int:
    return submission.nudges_expire_abandoned() + note_nudges_expire_abandoned()


@shared_task(
    name=jobs.MODERATION_NOTICE_SEND,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def moderation_notice_send(notice_id: int) -> None:
    """Email the participant about one decision, at most once (see
    services.moderation.decisions.notice_send)."""
    decisions.notice_send(notice_id=notice_id)


@shared_task(name=jobs.EXPIRE_RESUMABLE_UPLOADS)
def expire_resumable_uploads() -> int:
    return uploads.resumable_uploads_expire()


@shared_task(name=jobs.RETENTION_SWEEP)
def retention_sweep() -> dict:
    return privacy.retention_sweep()


@shared_task(name=jobs.TIKTOK_RECHECK)
def tiktok_recheck() -> dict:
    """The approved TikTok posts due for their daily look (each post's own time,
    spread over the day: services.tiktok.tiktok_recheck_due)."""
    counts = tiktok.tiktok_recheck_due()
    counts["curated"] = tiktok.curated_tiktok_recheck_due()
    return counts


@shared_task(
    name=jobs.SEND_REPORT_BURST_ALERT,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_report_burst_alert(entry_id: int) -> bool:
    """Mail the moderators about a burst of reports, once per burst (see
    services.moderation.reports.report_burst_alert_send). Routed to the notices
    queue."""
    return reports.report_burst_alert_send(entry_id=entry_id)


@shared_task(
    name=jobs.SEND_NOTE_REPORT_BURST_ALERT,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_note_report_burst_alert(note_id: int) -> bool:
    """Mail the moderators about a burst of reports on a note, once per burst (see
    services.notes.reports.note_report_burst_alert_send)."""
    return note_reports.note_report_burst_alert_send(note_id=note_id)


@shared_task(
    name=jobs.SEND_NOTES_GUARDIAN_EMAIL,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notes_guardian_email(settings_id: int) -> None:
    """Asks the guardian about notes; sends nothing once they agreed."""
    notes_guardian_email_send(settings_id=settings_id)


@shared_task(name=jobs.NOTES_DIGEST)
def notes_digest() -> int:
    """Daily: one mail at most per owner about new notes (beat)."""
    ids = notes_digest_prepare()
    for digest_id in ids:
        enqueue(jobs.SEND_NOTE_DIGEST, digest_id)
    return len(ids)


@shared_task(
    name=jobs.SEND_NOTE_DIGEST,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_note_digest(digest_id: int) -> None:
    note_digest_send(digest_id=digest_id)


@shared_task(name=jobs.SWEEP_NOTICES)
def sweep_notices() -> int:
    """Make the guardians' follow-ups that are due (they go after commit), and send
    again the decision and guardian notices whose task was lost (beat); returns how
    many of those were sent to the queue. Sending one twice is harmless: the
    first claim wins (services.notices.notice_deliver)."""
    guardian.guardian_follow_ups_schedule()
    sent = 0
    for model, name in (
        (ModerationNotice, jobs.MODERATION_NOTICE_SEND),
        (GuardianNotice, jobs.SEND_GUARDIAN_NOTICE),
    ):
        for notice_id in notices.notices_overdue(model=model):
            sent += enqueue(name, notice_id)
    return sent
