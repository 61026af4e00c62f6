"""Reports on notes: signed-in accounts only, one per account and note, weighed like
entry reports; enough weight holds the note for the moderators; a burst of reports
is flagged and the moderators mailed, as for entries."""

import logging
from smtplib import SMTPException

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs import enqueue_on_commit
from core.text import clean_text

from ... import jobs
from ...devices import network_hash
from ...emails import note_report_burst_message
from ...errors import ChallengeError
from ...models import Note, NoteEvent, NoteReport, ReportReason
from ...note_states import note_transition
from ...selectors.gallery import gallery_changed_on_commit, public_entries
from ..moderation.reports import (
    NO_WEIGHT,
    burst_alert_claim,
    burst_begins,
    most_from_one_network,
    report_alert_recipients,
    report_weight,
)

log = logging.getLogger(__name__)


class NoteReportRefused(ChallengeError):
    code = "note_report_refused"


@transaction.atomic
def note_report_create(
    *, note_id: int, user, reason: str, text: str = "", address: str = ""
) -> NoteReport:
    """A signed-in account reports a note anyone can see. Counted like entry reports
    (`report_count`: the open reports, weighed or not) and weighed like them
    (services.moderation.reports.report_weight); at NOTES_HOLD_AT_REPORTS of weight the note
    is held for the moderators at once. A burst (moderation.reports.burst_begins,
    reports from new accounts on one network included: `address` is the reporter's,
    kept only as a keyed hash of its network) flags the note and mails the
    moderators. Under the note's row lock, so reports arriving together hold it
    once and alert once."""
    if not user.is_authenticated:
        raise NoteReportRefused(_("Log in to report a note."))
    if reason not in ReportReason.values:
        raise NoteReportRefused(_("Please choose a reason."))
    note = Note.objects.select_for_update().filter(pk=note_id).first()
    if (
        note is None
        or note.state != Note.State.PUBLISHED
        or note.muted
        or not public_entries().filter(pk=note.entry_id).exists()
    ):
        raise NoteReportRefused(_("This note cannot be reported."))
    try:
        with transaction.atomic():
            report = NoteReport.objects.create(
                note=note,
                reporter_key=f"u:{user.pk}",
                user=user,
                network_hash=network_hash(address),
                reason=reason,
                text=clean_text(text, multiline=True)[:1000],
                weight=report_weight(user),
            )
    except IntegrityError as error:
        raise NoteReportRefused(_("You have already reported this note.")) from error
    Note.objects.filter(pk=note.pk).update(report_count=F("report_count") + 1)
    open_reports = NoteReport.objects.filter(note=note, resolved_at__isnull=True)
    weight = open_reports.aggregate(total=Sum("weight"))["total"] or NO_WEIGHT
    if burst_begins(
        open_reports=open_reports, flagged_at=note.report_burst_at, one_network=True
    ):
        Note.objects.filter(pk=note.pk).update(report_burst_at=timezone.now())
        enqueue_on_commit(jobs.SEND_NOTE_REPORT_BURST_ALERT, note.pk)
    if weight >= settings.NOTES_HOLD_AT_REPORTS:
        note_transition(
            note_id=note.pk,
            to_state=Note.State.HELD,
            role=NoteEvent.Role.SYSTEM,
            reason="reports",
        )
        gallery_changed_on_commit([note.entry_id])
    return report


def note_report_burst_alert_send(*, note_id: int) -> bool:
    """Mail the moderators about the note's current burst of reports, at most once
    (moderation.reports.burst_alert_claim); a mail failure releases the claim and
    raises, for the task to retry. Returns whether this call sent it."""
    claimed = burst_alert_claim(Note.objects.filter(pk=note_id))
    if claimed is None:
        return False
    recipients = report_alert_recipients()
    if not recipients:
        log.warning("burst of reports on note %s: no moderator to alert", note_id)
        return False
    note = Note.objects.select_related("author").get(pk=note_id)
    crowded = most_from_one_network(note.reports.filter(resolved_at__isnull=True))
    crowded = crowded if crowded > 1 else 0  # one report is no crowd
    try:
        note_report_burst_message(
            note=note, one_network=crowded, recipients=recipients
        ).send()
    except (SMTPException, OSError):
        Note.objects.filter(pk=note_id, report_alert_sent_at=claimed).update(
            report_alert_sent_at=None
        )
        raise
    return True
