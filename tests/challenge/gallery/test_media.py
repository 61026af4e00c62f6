"""Media through the checked view: public only while the entry is approved."""

from http import HTTPStatus

import pytest

from challenge.models import Entry
from challenge.services.moderation import decisions
from tests.challenge.factories import (
    make_entry,
)

pytestmark = pytest.mark.django_db
S = Entry.State


def test_media_of_an_approved_entry_is_public_with_correct_types(client, tmp_path):
    entry = make_entry(state=S.APPROVED, with_files=True, tmp_dir=tmp_path)
    poster = client.get(f"/v/{entry.video_id}/poster.webp")
    assert poster.status_code == HTTPStatus.OK
    assert poster["Content-Type"] == "image/webp"
    assert poster["X-Content-Type-Options"] == "nosniff"
    video = client.get(
        f"/v/{entry.video_id}/video.mp4", headers={"range": "bytes=0-99"}
    )
    assert video.status_code == HTTPStatus.PARTIAL_CONTENT
    assert video["Content-Type"] == "video/mp4"
    assert video["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/v/{entry.video_id}/original").status_code == (
        HTTPStatus.NOT_FOUND
    )


def test_media_stops_being_reachable_once_hidden(client, tmp_path, moderator):
    entry = make_entry(state=S.APPROVED, with_files=True, tmp_dir=tmp_path)
    url = f"/v/{entry.video_id}/video.mp4"
    assert client.get(url).status_code == HTTPStatus.OK
    decisions.entry_hide(entry_id=entry.pk, actor=moderator)
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert (
        client.get(f"/v/{entry.video_id}/poster.webp").status_code
        == HTTPStatus.NOT_FOUND
    )
    client.force_login(moderator)
    assert client.get(url).status_code == HTTPStatus.OK  # moderators still can
