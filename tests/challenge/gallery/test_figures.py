"""The gallery figures shown on the pages: public entries only."""

from challenge.models import Entry
from challenge.selectors.gallery import gallery_figures
from tests.challenge.factories import make_entry


def test_gallery_figures_count_only_public_entries(db, participant):
    make_entry(participant=participant, state=Entry.State.APPROVED, heart_count=3)
    make_entry(participant=participant, state=Entry.State.APPROVED, heart_count=4)
    make_entry(participant=participant, state=Entry.State.PENDING_REVIEW, heart_count=9)
    figures = gallery_figures()
    assert figures["entries"] == 2
    assert figures["hearts"] == 7
