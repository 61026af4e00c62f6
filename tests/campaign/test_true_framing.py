"""Issue 32, section 2: the pages say what things are. TikTok's programme is not
ours, demo material is marked, a zero is no social proof, a site's choice is not
presented as a law."""

import datetime as dt
import re
from http import HTTPStatus

import pytest
from django.utils import timezone

from campaign import demo
from campaign.models import Campaign
from challenge.models import Entry
from tests.challenge.factories import make_entry, make_participant

pytestmark = pytest.mark.django_db


def test_the_programme_is_presented_as_tiktoks_with_its_source_first(client):
    demo.load_campaign()
    html = client.get("/en/partners/").content.decode()
    assert "Partners against hate speech" not in html
    source = html.index("As described in TikTok’s press release")
    assert source < html.index(demo.PROGRAMME["title_en"].replace("'", "&#x27;"))
    assert "not partners of this site" in html
    # The main menu does not call them "Partners" either.
    assert not re.search(r">\s*Partners\s*<", html)


def _figures(html: str) -> str:
    start = html.find('id="figures-heading"')
    return "" if start < 0 else html[start : html.index("</section>", start)]


def test_the_home_page_shows_no_zero_as_social_proof(client):
    participant = make_participant()
    make_entry(participant=participant, state=Entry.State.APPROVED)
    figures = _figures(client.get("/en/").content.decode())
    assert "entry in the gallery" in figures
    assert "hearts given" not in figures and "heart given" not in figures
    assert "story view" not in figures
    assert not re.search(r"<strong>0</strong>", figures)


def test_the_home_page_counts_no_demo_entry_and_says_it_shows_them(client):
    participant = make_participant(handle="demo.lena")
    participant.is_demo = True
    participant.save()
    make_entry(participant=participant, state=Entry.State.APPROVED, heart_count=5)
    figures = _figures(client.get("/en/").content.decode())
    assert "entry in the gallery" not in figures and "heart" not in figures
    assert "1 demo entry made up by this site" in figures


def test_the_home_page_has_no_figures_section_with_nothing_to_count(client):
    assert _figures(client.get("/en/").content.decode()) == ""


def test_demo_campaign_dates_are_marked_and_real_ones_are_not(client):
    demo.load_campaign()
    assert Campaign.objects.get().dates_are_demo
    assert "data-demo-dates" in client.get("/en/").content.decode()
    Campaign.objects.update(dates_are_demo=False)
    from campaign.selectors import site_snapshot_forget

    site_snapshot_forget()
    assert "data-demo-dates" not in client.get("/en/").content.decode()


def test_a_campaign_staff_made_is_not_marked_demo_by_the_loader(client):
    now = timezone.now()
    Campaign.objects.create(
        name="Real",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=9),
    )
    demo.load_campaign()
    assert not Campaign.objects.get().dates_are_demo


@pytest.mark.parametrize("language", ["en", "it", "fr", "de"])
def test_the_rules_say_the_swiss_age_is_the_sites_choice_not_a_law(client, language):
    response = client.get(f"/{language}/challenge/rules/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    marked = re.findall(r"<li>([^<]*?)\s*16<span aria-hidden=\"true\">\*</span>", html)
    swiss = {"en": "Switzerland", "it": "Svizzera", "fr": "Suisse", "de": "Schweiz"}
    assert any(swiss[language] in label for label in marked), marked
    # No country whose law sets the age carries the mark.
    germany = {
        "en": "Germany",
        "it": "Germania",
        "fr": "Allemagne",
        "de": "Deutschland",
    }
    assert not any(germany[language] in label for label in marked)
