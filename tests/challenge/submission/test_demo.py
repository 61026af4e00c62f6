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


def test_demo_entries_are_marked_as_made_up_wherever_they_show(
    db, client, django_capture_on_commit_callbacks
):
    """The demo participants are invented: their handles say so, and the gallery
    card and the entry page carry a demo badge and notice; a real entry does not."""
    from challenge.models import Participant
    from tests.challenge.factories import make_entry, make_participant

    load_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        load_challenge()
    demo = Participant.objects.filter(user__username__startswith="demo-")
    assert demo.count() == len(DEMO_ENTRIES)
    assert all(p.is_demo and p.handle.startswith("demo.") for p in demo)

    real = make_entry(
        state=Entry.State.APPROVED, participant=make_participant(handle="real_kid")
    )
    assert real.participant.is_demo is False

    html = client.get("/en/gallery/").content.decode()
    approved_demo = Entry.objects.filter(
        state=Entry.State.APPROVED, participant__is_demo=True
    ).count()
    assert html.count('<span class="badge">Demo</span>') == approved_demo == 5
    for entry in Entry.objects.filter(state=Entry.State.APPROVED):
        page = client.get(f"/en/gallery/{entry.pk}/").content.decode()
        assert ("data-demo-notice" in page) is entry.participant.is_demo


def test_demo_loader_renames_an_older_demo_account_in_place(
    db, django_capture_on_commit_callbacks
):
    """Installs made before the accounts were marked keep their rows: loading again
    renames and marks them instead of adding six more."""
    from challenge.models import Participant

    load_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        load_challenge()
    Participant.objects.update(is_demo=False)
    for index, participant in enumerate(Participant.objects.order_by("pk")):
        participant.handle = f"old_{index}"
        participant.save(update_fields=["handle"])
    with django_capture_on_commit_callbacks(execute=True):
        load_challenge()
    assert Entry.objects.count() == len(DEMO_ENTRIES)
    assert Participant.objects.filter(is_demo=True).count() == len(DEMO_ENTRIES)
    assert not Participant.objects.exclude(handle__startswith="demo.").exists()
