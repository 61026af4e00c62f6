"""Demo entries say they are demo wherever they travel: the widget other sites
frame, the Atom feed, the share card a chat shows (issue 32, section 2)."""

import re

import pytest
from django.urls import reverse

from challenge.models import Entry
from tests.challenge.factories import make_entry, make_participant

pytestmark = pytest.mark.django_db


def _entry(*, demo: bool) -> Entry:
    participant = make_participant(handle="demo.lena" if demo else "real_lena")
    participant.is_demo = demo
    participant.save()
    return make_entry(
        participant=participant,
        state=Entry.State.APPROVED,
        caption="Drei Worte von meiner Lehrerin #CreateKindness",
    )


def _meta(html: str, prop: str) -> str:
    return re.search(rf'<meta property="{prop}" content="([^"]*)"', html).group(1)


def test_the_widget_marks_a_demo_entry_and_says_what_the_mark_means(client):
    _entry(demo=True)
    html = client.get(reverse("gallery:embed")).content.decode()
    assert "data-demo" in html
    assert "data-demo-notice" in html


def test_the_widget_marks_no_real_entry(client):
    _entry(demo=False)
    html = client.get(reverse("gallery:embed")).content.decode()
    assert "data-demo" not in html


def test_the_feed_says_which_items_are_demo(client):
    _entry(demo=True)
    _entry(demo=False)
    feed = client.get(reverse("gallery:feed")).content.decode()
    assert "<title>Demo entry: @demo.lena</title>" in feed
    assert "<title>@real_lena</title>" in feed
    assert 'term="demo"' in feed
    assert feed.count("Demo entry made up by this site") == 1


def test_a_demo_entrys_share_card_says_demo(client):
    entry = _entry(demo=True)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert _meta(html, "og:title").startswith("Demo entry by @demo.lena,")
    assert _meta(html, "og:description").startswith("Demo entry made up by this site")
    assert "Demo" in _meta(html, "og:image:alt")


def test_a_real_entrys_share_card_is_unchanged(client):
    entry = _entry(demo=False)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "Demo" not in _meta(html, "og:title")
    assert _meta(html, "og:description").startswith("Drei Worte")
