"""The retention sweep: what it deletes, what it keeps."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from challenge.models import Entry, EntryEvent, GuardianConsent
from challenge.services.privacy import retention_sweep
from tests.challenge.factories import make_entry, video_files

S = Entry.State


@pytest.mark.parametrize(("age_days", "deleted"), [(29, False), (31, True)])
def test_rejected_media_is_deleted_after_the_retention_period(
    db, tmp_path, settings, age_days, deleted, django_capture_on_commit_callbacks
):
    settings.RETENTION_REJECTED_DAYS = 30
    entry = make_entry(state=S.REJECTED, with_files=True, tmp_dir=tmp_path)
    Entry.objects.filter(pk=entry.pk).update(
        state_changed_at=timezone.now() - dt.timedelta(days=age_days)
    )
    files = [(f.storage, f.name) for f in video_files(entry.video)]
    with django_capture_on_commit_callbacks(execute=True):
        counts = retention_sweep()
    entry.refresh_from_db()
    assert counts["rejected_media"] == (1 if deleted else 0)
    assert all(storage.exists(name) != deleted for storage, name in files)
    assert (entry.caption == "") is deleted
    assert EntryEvent.objects.filter(entry=entry).exists()  # the audit trail stays


def test_approved_media_is_never_swept(db, tmp_path, settings):
    settings.RETENTION_REJECTED_DAYS = 0
    entry = make_entry(state=S.APPROVED, with_files=True, tmp_dir=tmp_path)
    Entry.objects.filter(pk=entry.pk).update(
        state_changed_at=timezone.now() - dt.timedelta(days=900)
    )
    retention_sweep()
    assert entry.video.output.storage.exists(entry.video.output.name)


def test_guardian_addresses_are_erased_after_the_consent_period(db, settings):
    settings.RETENTION_CONSENT_DAYS = 365
    old = make_entry(state=S.WITHDRAWN)
    recent = make_entry(state=S.WITHDRAWN)
    live = make_entry(state=S.APPROVED)
    for entry in (old, recent, live):
        GuardianConsent.objects.create(
            entry=entry, guardian_email=f"parent{entry.pk}@example.org"
        )
    Entry.objects.filter(pk__in=[old.pk, live.pk]).update(
        state_changed_at=timezone.now() - dt.timedelta(days=400)
    )
    assert retention_sweep()["guardian_emails"] == 1
    emails = dict(GuardianConsent.objects.values_list("entry_id", "guardian_email"))
    assert emails[old.pk] == "erased@invalid"
    assert emails[recent.pk] == f"parent{recent.pk}@example.org"
    assert emails[live.pk] == f"parent{live.pk}@example.org"


def test_the_sweep_command_reports_what_it_did(db):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("retention_sweep", stdout=out)
    assert "rejected_media: 0" in out.getvalue()
