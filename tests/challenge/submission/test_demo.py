"""Demo entries: processed, five approved, one waiting; loading twice adds nothing."""

from campaign.demo import load_campaign
from challenge.demo import DEMO_ENTRIES, load_challenge
from challenge.models import Entry


def test_demo_entries_are_real_processed_and_idempotent(
    db, django_capture_on_commit_callbacks
):
    load_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        load_challenge()
        load_challenge()
    assert Entry.objects.count() == len(DEMO_ENTRIES)
    assert Entry.objects.filter(state=Entry.State.APPROVED).count() == 5
    assert Entry.objects.filter(state=Entry.State.PENDING_REVIEW).count() == 1
    assert all(entry.video.poster for entry in Entry.objects.all())
