"""Reports on notes: signed-in accounts only, one per account and note, weighed like
entry reports; enough weight holds the note for the moderators."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from core.text import clean_text

from ...errors import ChallengeError
from ...models import Note, NoteEvent, NoteReport, ReportReason
from ...note_states import note_transition
from ...selectors.gallery import public_entries
from ..moderation.reports import NO_WEIGHT, report_weight
from .common import gallery_changed_on_commit


class NoteReportRefused(ChallengeError):
    code = "note_report_refused"


@transaction.atomic
def note_report_create(
    *, note_id: int, user, reason: str, text: str = ""
) -> NoteReport:
    """A signed-in account reports a note anyone can see. Counted like entry reports
    (`report_count`: the open reports, weighed or not) and weighed like them
    (services.moderation.reports.report_weight); at NOTES_HOLD_AT_REPORTS of weight the note
    is held for the moderators at once. Under the note's row lock, so reports
    arriving together hold it once."""
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
                reason=reason,
                text=clean_text(text, multiline=True)[:1000],
                weight=report_weight(user),
            )
    except IntegrityError as error:
        raise NoteReportRefused(_("You have already reported this note.")) from error
    Note.objects.filter(pk=note.pk).update(report_count=F("report_count") + 1)
    weight = (
        NoteReport.objects.filter(note=note, resolved_at__isnull=True).aggregate(
            total=Sum("weight")
        )["total"]
        or NO_WEIGHT
    )
    if weight >= settings.NOTES_HOLD_AT_REPORTS:
        note_transition(
            note_id=note.pk,
            to_state=Note.State.HELD,
            role=NoteEvent.Role.SYSTEM,
            reason="reports",
        )
        gallery_changed_on_commit()
    return report
