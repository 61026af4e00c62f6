"""The names of the challenge's Celery tasks (see videos/jobs.py for the rule).

Services send these names after commit (core.jobs.enqueue_on_commit); tasks.py
registers a task under each and calls a service; nothing imports back.
"""

SEND_GUARDIAN_EMAIL = "challenge.tasks.send_guardian_email"
SEND_GUARDIAN_NOTICE = "challenge.tasks.send_guardian_notice"
# Kept from the module the task once lived in: queued messages carry the name.
MODERATION_NOTICE_SEND = "challenge.moderation_tasks.moderation_notice_send"
SEND_REPORT_BURST_ALERT = "challenge.tasks.send_report_burst_alert"
SEND_NOTE_REPORT_BURST_ALERT = "challenge.tasks.send_note_report_burst_alert"
SEND_NOTES_GUARDIAN_EMAIL = "challenge.tasks.send_notes_guardian_email"
SEND_NOTE_DIGEST = "challenge.tasks.send_note_digest"

EXPIRE_ABANDONED_NUDGES = "challenge.tasks.expire_abandoned_nudges"
EXPIRE_RESUMABLE_UPLOADS = "challenge.tasks.expire_resumable_uploads"
RETENTION_SWEEP = "challenge.tasks.retention_sweep"
NOTES_DIGEST = "challenge.tasks.notes_digest"
SWEEP_NOTICES = "challenge.tasks.sweep_notices"
TIKTOK_RECHECK = "challenge.tasks.tiktok_recheck"

# Every mail goes to the notices queue, so a burst of transcodes never delays one.
MAILS = (
    SEND_GUARDIAN_EMAIL,
    SEND_GUARDIAN_NOTICE,
    MODERATION_NOTICE_SEND,
    SEND_REPORT_BURST_ALERT,
    SEND_NOTE_REPORT_BURST_ALERT,
    SEND_NOTES_GUARDIAN_EMAIL,
    SEND_NOTE_DIGEST,
)
