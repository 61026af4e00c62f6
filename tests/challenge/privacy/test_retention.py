"""The retention sweep: what it deletes, what it keeps."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from challenge.models import Entry, EntryEvent, GuardianConsent
from challenge.services.privacy import retention_sweep
from tests.challenge.factories import make_entry, video_files
from videos.models import Video

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


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _stored(entry) -> list[bool]:
    return [f.storage.exists(f.name) for f in video_files(entry.video)]


@pytest.fixture
def library(db, tmp_path, settings):
    """One entry of each kind the sweep must tell apart, all with real files."""
    settings.RETENTION_REJECTED_DAYS = 30
    settings.RETENTION_FAILED_DAYS = 10
    settings.RETENTION_CONSENT_DAYS = 365

    def entry(state, days):
        made = make_entry(state=state, with_files=True, tmp_dir=tmp_path)
        Entry.objects.filter(pk=made.pk).update(state_changed_at=_ago(days))
        return made

    entries = {
        "old rejected": entry(S.REJECTED, 31),
        "recent rejected": entry(S.REJECTED, 29),
        "old approved": entry(S.APPROVED, 900),
        "old hidden": entry(S.HIDDEN, 900),
        "old pending": entry(S.PENDING_REVIEW, 900),
        "old failed": entry(S.FAILED, 11),
        "recent failed": entry(S.FAILED, 9),
    }
    for name, days in (("old failed", 11), ("recent failed", 9)):
        Video.objects.filter(pk=entries[name].video_id).update(updated_at=_ago(days))
    for made in entries.values():
        assert _stored(made) == [True, True, True]
    return entries


def test_the_sweep_deletes_exactly_the_expired_media_and_keeps_the_rest(
    library, django_capture_on_commit_callbacks
):
    events_before = EntryEvent.objects.count()
    captions_before = {name: e.caption for name, e in library.items()}
    files = {
        name: [(f.storage, f.name) for f in video_files(e.video)]
        for name, e in library.items()
    }
    with django_capture_on_commit_callbacks(execute=True):
        counts = retention_sweep()
    assert counts == {
        "rejected_media": 1,
        "failed_media": 1,
        "guardian_emails": 0,
        "guardian_no_answer": 0,
        "age_gate_refusals": 0,
        "device_sightings": 0,
        "deletion_journal_days": 0,
    }
    swept = {"old rejected", "old failed"}
    for name, entry in library.items():
        entry.refresh_from_db()
        entry.video.refresh_from_db()
        stored = [storage.exists(file_name) for storage, file_name in files[name]]
        assert stored == [name not in swept] * 3, name
        assert bool(video_files(entry.video)) is (name not in swept), name
        assert entry.caption == (
            "" if name == "old rejected" else captions_before[name]
        )
    # Rows, states and the audit trail stay; the sweep adds no event either.
    assert Entry.objects.count() == len(library)
    assert EntryEvent.objects.count() == events_before
    # A second sweep finds nothing more to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_sweep() == {
            "rejected_media": 0,
            "failed_media": 0,
            "guardian_emails": 0,
            "guardian_no_answer": 0,
            "age_gate_refusals": 0,
            "device_sightings": 0,
            "deletion_journal_days": 0,
        }


def test_the_sweep_command_reports_what_it_did(
    library, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    old_rejected = library["old rejected"]
    files = [(f.storage, f.name) for f in video_files(old_rejected.video)]
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention_sweep", stdout=out)
    assert out.getvalue().splitlines() == [
        "rejected_media: 1",
        "failed_media: 1",
        "guardian_emails: 0",
        "guardian_no_answer: 0",
        "age_gate_refusals: 0",
        "device_sightings: 0",
        "deletion_journal_days: 0",
    ]
    assert not any(storage.exists(name) for storage, name in files)
    assert _stored(library["recent rejected"]) == [True, True, True]
