"""The partner toolkit: the widget's code with this site's address, which sites may
show it, a preview, and the campaign material to download."""

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_code_to_copy_points_at_this_sites_widget(settings):
    settings.SITE_URL = "https://kind.example"
    page = Client().get("/en/partners/toolkit/").content.decode()
    assert (
        "&lt;iframe src=&quot;https://kind.example/en/gallery/embed/&quot;" in page
        or '&lt;iframe src="https://kind.example/en/gallery/embed/"' in page
    )
    assert 'src="/en/gallery/embed/"' in page  # the live preview
    assert "No other site is allowed yet" in page


def test_allowed_origins_are_listed_and_the_widget_lets_them_frame_it(settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://school.example"]
    page = Client().get("/de/partners/toolkit/").content.decode()
    assert "<code>https://school.example</code>" in page
    widget = Client().get(reverse("gallery:embed"))
    assert "frame-ancestors https://school.example" in widget["Content-Security-Policy"]


def test_the_material_links_download_real_files(client):
    page = client.get("/fr/partners/toolkit/").content.decode()
    links = re.findall(r'<a href="([^"]+)" download=', page)
    assert links, "no material to download"
    for link in links:
        assert client.get(link).status_code == HTTPStatus.OK, link


def test_the_partners_page_leads_to_the_toolkit(client):
    page = client.get(reverse("campaign:partners")).content.decode()
    assert f'href="{reverse("partner_toolkit")}"' in page
