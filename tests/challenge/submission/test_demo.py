"""Demo entries: processed, five approved, one waiting; loading twice adds nothing;
the made-up accounts say they are demo material wherever they show.

One test, because loading the demo processes six real clips (about 13 s)."""

from campaign.demo import load_campaign
from challenge.demo import DEMO_ENTRIES, load_challenge
from challenge.models import Entry, Participant
from tests.challenge.factories import make_entry, make_participant


def test_demo_entries_are_real_processed_idempotent_and_marked_as_made_up(
    db, client, django_capture_on_commit_callbacks
):
    load_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        load_challenge()
        load_challenge()
    assert Entry.objects.count() == len(DEMO_ENTRIES)
    assert Entry.objects.filter(state=Entry.State.APPROVED).count() == 5
    assert Entry.objects.filter(state=Entry.State.PENDING_REVIEW).count() == 1
    assert all(entry.video.poster for entry in Entry.objects.all())

    # The participants are invented: their handles say so, and the gallery card and
    # the entry page carry a demo badge and notice; a real entry does not.
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

    # An install made before the accounts were marked keeps its rows: loading again
    # renames and marks them instead of adding six more.
    real.delete()
    Participant.objects.filter(handle="real_kid").delete()
    Participant.objects.update(is_demo=False)
    for index, participant in enumerate(Participant.objects.order_by("pk")):
        participant.handle = f"old_{index}"
        participant.save(update_fields=["handle"])
    with django_capture_on_commit_callbacks(execute=True):
        load_challenge()
    assert Entry.objects.count() == len(DEMO_ENTRIES)
    assert Participant.objects.filter(is_demo=True).count() == len(DEMO_ENTRIES)
    assert not Participant.objects.exclude(handle__startswith="demo.").exists()
