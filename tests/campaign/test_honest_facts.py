"""The campaign's pages say only what the seed articles say, and whose it is."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from campaign import demo
from campaign.models import PartnerProgramme

pytestmark = pytest.mark.django_db
LANGUAGES = ("en", "it", "fr", "de")


@pytest.fixture
def loaded():
    demo.load_campaign()


@pytest.mark.parametrize("language", LANGUAGES)
def test_partners_page_describes_tiktoks_programme_as_the_seed_does(
    client, loaded, language
):
    html = client.get(f"/{language}/partners/").content.decode()
    assert "TikTok" in html
    assert "Drive BETA" in html
    assert any(f"16{sep}000" in html for sep in (".", ",", " ", "\u202f"))
    year = str(timezone.now().year)
    badge = html.split('<span class="badge">')[1].split("</span>")[0]
    assert year not in badge
    for phrase in ("with us", "con noi", "avec nous", "mit uns"):
        assert phrase not in html
    for phrase in ("each organisation", "ogni organizzazione", "chaque association"):
        assert phrase not in html
    assert "jeder Organisation" not in html


def test_the_programme_row_is_updated_not_duplicated_on_a_rerun():
    PartnerProgramme.objects.create(
        title_en="Counter-speech partner programme",
        title="Counter-speech partner programme",
        summary_en="…with us…",
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2020, 4, 30),
    )
    demo.load_campaign()
    demo.load_campaign()
    programme = PartnerProgramme.objects.get()
    assert programme.title_en == demo.PROGRAMME["title_en"]
    assert "with us" not in programme.summary_en
    assert (programme.starts_on.day, programme.starts_on.month) == (1, 1)
    assert (programme.ends_on.day, programme.ends_on.month) == (30, 4)


@pytest.mark.parametrize("path", ["/en/", "/en/stories/"])
def test_no_page_adds_what_the_seeds_do_not_say(client, loaded, path):
    html = client.get(path).content.decode()
    assert client.get(path).status_code == HTTPStatus.OK
    assert "how they found their way" not in html
    assert "show their faces" not in html
    assert "who lived them" not in html
