"""The partners embed and the Atom feed."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import Entry
from tests.challenge.factories import (
    make_entry,
)
from tests.challenge.gallery.helpers import LIST

pytestmark = pytest.mark.django_db
S = Entry.State


def test_embed_may_be_framed_by_partners_only(client, settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://partner.example"]
    make_entry(state=S.APPROVED)
    response = client.get(reverse("gallery:embed"))
    assert response.status_code == HTTPStatus.OK
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://partner.example" in policy
    assert "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]
    assert "script-src 'self'" in policy
    listing = client.get(LIST)
    assert listing["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in listing["Content-Security-Policy"]


def test_atom_feed_lists_approved_entries(client, settings):
    settings.SITE_URL = "https://kind.example"
    entry = make_entry(state=S.APPROVED, caption="feed me kindness")
    make_entry(caption="still pending")
    response = client.get(reverse("gallery:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "feed me kindness" in body
    assert "still pending" not in body
    assert f"https://kind.example/en/gallery/{entry.pk}/" in body
