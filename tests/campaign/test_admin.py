from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model

from campaign.demo import load_campaign
from campaign.models import Campaign, Helpline
from campaign.selectors import COUNTRY_COOKIE


@pytest.fixture
def admin_client(client, db):
    load_campaign()
    user = get_user_model().objects.get(username="admin")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/en/admin/campaign/campaign/{campaign}/change/",
        "/en/admin/campaign/helpline/{helpline}/change/",
        "/en/admin/campaign/partnerprogramme/add/",
    ],
)
def test_translation_tabs_load_jquery_ui_from_the_site_itself(admin_client, url):
    page = admin_client.get(
        url.format(
            campaign=Campaign.objects.first().pk, helpline=Helpline.objects.first().pk
        )
    )
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "/static/vendor/jquery-ui-1.13.3/jquery-ui.min.js" in html
    assert "googleapis" not in html
    assert "name_it" in html or "title_it" in html or "description_it" in html


def test_staff_edit_a_helpline_in_four_languages(admin_client):
    helpline = Helpline.objects.get(country="FR", number="3018")
    response = admin_client.post(
        f"/en/admin/campaign/helpline/{helpline.pk}/change/",
        {
            "country": "FR",
            "name_en": "3018",
            "name_it": "3018",
            "name_fr": "3018",
            "name_de": "3018",
            "in_short_lists": "on",
            "number": "3018",
            "url": "https://e-enfance.org/numero-3018/",
            "languages": "fr",
            "order": 1,
            "description_en": "Online harassment",
            "description_it": "Molestie online",
            "description_fr": "Harcèlement en ligne",
            "description_de": "Belästigung im Netz",
            "hours_en": "9-23",
            "hours_it": "9-23",
            "hours_fr": "9 h-23 h",
            "hours_de": "9-23 Uhr",
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    helpline.refresh_from_db()
    assert helpline.description_fr == "Harcèlement en ligne"
    admin_client.cookies[COUNTRY_COOKIE] = "FR"
    assert "Harcèlement en ligne" in admin_client.get("/fr/help/").content.decode()
