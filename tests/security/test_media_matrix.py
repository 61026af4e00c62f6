"""Issue "trust boundary", point 5: who may fetch which file of which entry.

Every cell of role × file kind × entry state is a real request to the checked media
view (README: "Who may fetch which file"). An entry's original upload is served to
nobody (and deleted once processed); story masters only to story editors.
"""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission

from challenge.models import Entry
from tests.challenge.factories import (
    make_entry,
    make_participant,
    make_user,
    make_video,
)

S = Entry.State
ROLES = [
    "anonymous",
    "other_participant",
    "owner",
    "staff",
    "story_editor",
    "moderator",
    "superuser",
]
KINDS = ["video", "poster", "original", "stream", "rung", "segment"]
NOT_PUBLIC = [S.PENDING_REVIEW, S.HIDDEN, S.REJECTED]


def _url(video, kind: str) -> str:
    if kind in ("rung", "segment"):
        rung = video.ladder[-1]["name"]
        name = "index.m3u8" if kind == "rung" else "s00000.m4s"
        return video.stream_url.replace("master.m3u8", f"{rung}/{name}")
    return {
        "video": video.video_url,
        "poster": video.poster_url,
        "original": video.original_url,
        "stream": video.stream_url,
    }[kind]


def _login(client, role: str, owner):
    users = {
        "anonymous": None,
        "other_participant": lambda: make_participant().user,
        "owner": lambda: owner.user,
        "staff": lambda: make_user(staff=True),
        "story_editor": lambda: _story_editor(),
        "moderator": lambda: make_user(moderator=True),
        "superuser": lambda: make_user(superuser=True),
    }
    if users[role] is not None:
        client.force_login(users[role]())


def _story_editor():
    user = make_user(staff=True)
    for codename in ("view_episode", "change_episode", "view_video"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def _entry_expected(role: str, kind: str, state: str) -> bool:
    if kind == "original":
        return False  # nobody: deleted once processed, never served
    if state == S.APPROVED:
        return True
    return role in {"owner", "moderator", "superuser"}


@pytest.mark.parametrize("state", [S.APPROVED, *NOT_PUBLIC])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_entry_files(client, db, tmp_path, role, kind, state):
    owner = make_participant()
    entry = make_entry(
        participant=owner, state=state, with_files=True, tmp_dir=tmp_path
    )
    _login(client, role, owner)
    response = client.get(_url(entry.video, kind))
    expected = _entry_expected(role, kind, state)
    assert response.status_code == (
        HTTPStatus.OK if expected else HTTPStatus.NOT_FOUND
    ), f"{role} {kind} {state}"
    if expected:
        cache = response["Cache-Control"]
        assert ("public" in cache) == (state == S.APPROVED)
        if state != S.APPROVED:
            assert cache == "private, no-store"


@pytest.mark.parametrize("published", [True, False], ids=["published", "draft"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_story_files(client, db, tmp_path, make_episode, role, kind, published):
    video = make_video(with_files=True, tmp_dir=tmp_path)
    make_episode(video=video, days_ago=1 if published else None)
    _login(client, role, make_participant())
    response = client.get(_url(video, kind))
    editor = role in {"story_editor", "superuser"}
    expected = editor if kind == "original" else (published or editor)
    assert response.status_code == (
        HTTPStatus.OK if expected else HTTPStatus.NOT_FOUND
    ), f"{role} {kind} {'published' if published else 'draft'}"


def test_a_withdrawn_entry_is_served_to_nobody(
    client, db, tmp_path, django_capture_on_commit_callbacks
):
    from challenge.services.submission import entry_withdraw

    owner = make_participant()
    entry = make_entry(
        participant=owner, state=S.APPROVED, with_files=True, tmp_dir=tmp_path
    )
    urls = {kind: _url(entry.video, kind) for kind in KINDS}
    with django_capture_on_commit_callbacks(execute=True):
        entry_withdraw(entry=entry, actor=owner.user)
    for role in ROLES:
        _login(client, role, owner)
        for kind, url in urls.items():
            assert client.get(url).status_code == HTTPStatus.NOT_FOUND, f"{role} {kind}"
        client.logout()


def test_public_files_are_cached_briefly_and_revalidated(
    client, db, tmp_path, settings
):
    entry = make_entry(state=S.APPROVED, with_files=True, tmp_dir=tmp_path)
    first = client.get(entry.video.poster_url)
    assert first["Cache-Control"] == (
        f"public, max-age={settings.PUBLIC_MEDIA_MAX_AGE}, must-revalidate"
    )
    again = client.get(
        entry.video.poster_url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert again.status_code == HTTPStatus.NOT_MODIFIED
    from challenge.services.moderation import decisions

    decisions.entry_hide(entry_id=entry.pk, actor=make_user(moderator=True))
    # Revalidating after the entry was hidden gets nothing, not a 304.
    hidden = client.get(
        entry.video.poster_url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert hidden.status_code == HTTPStatus.NOT_FOUND


def test_the_original_upload_is_deleted_once_processed(
    client, campaign, upload, django_capture_on_commit_callbacks
):
    from tests.challenge.factories import entry_post_data
    from tests.challenge.factories import make_participant as make_verified

    participant = make_verified()  # a verified e-mail, as the submit page needs
    client.force_login(participant.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/challenge/submit/", entry_post_data(upload()))
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:300]
    entry = Entry.objects.select_related("video").get()
    assert entry.state == S.PENDING_REVIEW
    assert entry.video.output and not entry.video.source
    folder = entry.video.output.storage.path(f"videos/{entry.video_id}")
    import os

    assert sorted(os.listdir(folder)) == ["hls", "poster.webp", "video.mp4"]


PRIVATE_PAGES = [
    "/en/challenge/profile/",
    "/en/challenge/submit/",
    "/en/challenge/my-entries/",
    "/en/challenge/my-data/",
    "/en/challenge/my-data/delete-account/",
]


@pytest.mark.parametrize("path", PRIVATE_PAGES)
def test_private_pages_are_never_stored_by_a_cache(client, db, campaign, path):
    from tests.challenge.factories import make_participant as make_verified

    client.force_login(make_verified().user)
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_my_data_download_is_never_stored_by_a_cache(client, db):
    from tests.challenge.factories import make_participant as make_verified

    client.force_login(make_verified().user)
    assert client.get("/en/challenge/my-data/download/").status_code == (
        HTTPStatus.METHOD_NOT_ALLOWED
    )
    response = client.post("/en/challenge/my-data/download/")
    assert response.status_code == HTTPStatus.OK
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
