"""Reports on live entries: one per reporter, hidden at the threshold, resolved on restore."""

import pytest

from challenge.models import (
    Entry,
    Report,
)
from challenge.services.moderation import decisions, reports
from tests.challenge.factories import (
    make_entry,
)

pytestmark = pytest.mark.django_db
S = Entry.State


def test_anonymous_reports_are_counted_but_never_hide(settings):
    # Hiding needs verified accounts: tests/security/test_reports_and_limits.py.
    settings.MODERATION_HIDE_AT_REPORTS = 3
    entry = make_entry(state=S.APPROVED)
    for number in range(2):
        reports.report_create(
            entry_id=entry.pk, reporter_key=f"s:{number}", reason="bullying"
        )
    entry.refresh_from_db()
    assert (entry.state, entry.report_count) == (S.APPROVED, 2)
    reports.report_create(entry_id=entry.pk, reporter_key="s:x", reason="spam")
    entry.refresh_from_db()
    assert (entry.state, entry.report_count) == (S.APPROVED, 3)


def test_one_report_per_reporter():
    entry = make_entry(state=S.APPROVED)
    reports.report_create(entry_id=entry.pk, reporter_key="u:1", reason="spam")
    with pytest.raises(reports.ReportRefused):
        reports.report_create(entry_id=entry.pk, reporter_key="u:1", reason="spam")
    assert Report.objects.count() == 1


def test_a_pending_entry_cannot_be_reported():
    entry = make_entry()
    with pytest.raises(reports.ReportRefused):
        reports.report_create(entry_id=entry.pk, reporter_key="u:1", reason="spam")


def test_restore_resolves_open_reports(moderator, settings):
    settings.MODERATION_HIDE_AT_REPORTS = 2
    entry = make_entry(state=S.APPROVED)
    for key in ("a", "b"):
        reports.report_create(entry_id=entry.pk, reporter_key=key, reason="spam")
    decisions.entry_hide(entry_id=entry.pk, actor=moderator)  # anonymous: no hide
    decisions.entry_restore(entry_id=entry.pk, actor=moderator)
    entry.refresh_from_db()
    assert (entry.state, entry.report_count) == (S.APPROVED, 0)
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    # One new report does not hide it again at once.
    reports.report_create(entry_id=entry.pk, reporter_key="c", reason="spam")
    entry.refresh_from_db()
    assert entry.state == S.APPROVED
