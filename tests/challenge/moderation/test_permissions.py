"""Who may do what on the moderation desk: every role × every action and URL.

Roles: anonymous, participant (an account, not staff), staff without permissions,
staff who may look (view_entry, view_entryevent), moderator (the Moderators group),
superuser. Deciding is checked on the server: hiding a button is not enough.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import Entry
from tests.challenge.factories import make_entry, make_participant, make_user

pytestmark = pytest.mark.django_db
S = Entry.State
OK, FOUND, FORBIDDEN, NOT_FOUND = (
    HTTPStatus.OK,
    HTTPStatus.FOUND,
    HTTPStatus.FORBIDDEN,
    HTTPStatus.NOT_FOUND,
)
ROLES = ["anonymous", "participant", "staff", "viewer", "moderator", "superuser"]


def _user(role):
    if role == "anonymous":
        return None
    if role == "participant":
        return make_participant().user
    if role == "staff":
        return make_user(staff=True)
    if role == "viewer":
        return make_user(
            staff=True, perms=("challenge.view_entry", "challenge.view_entryevent")
        )
    if role == "moderator":
        return make_user(moderator=True)
    return make_user(superuser=True)


def _login(client, role):
    user = _user(role)
    if user is not None:
        client.force_login(user)
    return user


# (decision, starting state, state it should reach, POST data)
DECISIONS = {
    "approve": (S.PENDING_REVIEW, S.APPROVED, {"decision": "approve"}),
    "reject": (
        S.PENDING_REVIEW,
        S.REJECTED,
        {"decision": "reject", "reason": "spam"},
    ),
    "remove": (
        S.APPROVED,
        S.REJECTED,
        {"decision": "reject", "reason": "bullying", "seen_state": S.APPROVED},
    ),
    "hide": (S.APPROVED, S.HIDDEN, {"decision": "hide"}),
    "restore": (S.HIDDEN, S.APPROVED, {"decision": "restore"}),
}
MAY_DECIDE = {"moderator", "superuser"}
# Anonymous visitors and participants are sent to the admin login; staff
# without the moderate permission are refused.
REFUSAL = {
    "anonymous": FOUND,
    "participant": FOUND,
    "staff": FORBIDDEN,
    "viewer": FORBIDDEN,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("decision", list(DECISIONS))
def test_single_decisions(client, role, decision):
    start, end, data = DECISIONS[decision]
    entry = make_entry(state=start)
    _login(client, role)
    response = client.post(
        reverse("admin:challenge_entry_decide", args=[entry.pk]), data
    )
    entry.refresh_from_db()
    if role in MAY_DECIDE:
        assert response.status_code == FOUND
        assert response["Location"].startswith(
            reverse("admin:challenge_entry_change", args=[entry.pk])
        )
        assert entry.state == end
    else:
        assert response.status_code == REFUSAL[role]
        assert entry.state == start


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "action", ["approve_selected", "hide_selected", "restore_selected"]
)
def test_bulk_actions(client, role, action):
    start = {"approve_selected": S.PENDING_REVIEW}.get(
        action, S.APPROVED if action == "hide_selected" else S.HIDDEN
    )
    entries = [make_entry(state=start) for _ in range(2)]
    _login(client, role)
    response = client.post(
        reverse("admin:challenge_entry_changelist") + "?state=all",
        {
            "action": action,
            "index": "0",
            "_selected_action": [e.pk for e in entries],
        },
    )
    states = set(Entry.objects.values_list("state", flat=True))
    if role in MAY_DECIDE:
        assert response.status_code == FOUND
        assert states != {start}
    else:
        expected = {
            "anonymous": FOUND,
            "participant": FOUND,
            "staff": FORBIDDEN,
            # No action is offered to them: the list again, nothing done.
            "viewer": OK,
        }[role]
        assert response.status_code == expected
        assert states == {start}


@pytest.mark.parametrize("role", ROLES)
def test_bulk_reject(client, role):
    entries = [make_entry() for _ in range(2)]
    _login(client, role)
    response = client.post(
        reverse("admin:challenge_entry_bulk_reject"),
        {"ids": ",".join(f"{e.pk}:{e.state}" for e in entries), "reason": "spam"},
    )
    states = set(Entry.objects.values_list("state", flat=True))
    if role in MAY_DECIDE:
        assert response.status_code == FOUND
        assert states == {S.REJECTED}
    else:
        assert response.status_code == REFUSAL[role]
        assert states == {S.PENDING_REVIEW}


MAY_LOOK = {"viewer", "moderator", "superuser"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["changelist", "change", "dashboard", "audit", "csv"])
def test_admin_pages(client, role, page):
    entry = make_entry()
    urls = {
        "changelist": reverse("admin:challenge_entry_changelist"),
        "change": reverse("admin:challenge_entry_change", args=[entry.pk]),
        "dashboard": reverse("admin:challenge_entry_dashboard"),
        "audit": reverse("admin:challenge_entryevent_changelist"),
        "csv": reverse("admin:challenge_entryevent_export"),
    }
    _login(client, role)
    response = client.get(urls[page])
    if role in MAY_LOOK:
        assert response.status_code == OK
    elif role in ("anonymous", "participant"):
        assert response.status_code == FOUND
        assert "/admin/login/" in response["Location"]
    else:
        assert response.status_code == FORBIDDEN


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", NOT_FOUND),
        ("participant", NOT_FOUND),
        ("staff", NOT_FOUND),
        ("viewer", NOT_FOUND),
        ("moderator", OK),
        ("superuser", OK),
    ],
)
def test_video_of_a_pending_entry(client, tmp_path, role, expected):
    entry = make_entry(with_files=True, tmp_dir=tmp_path)
    _login(client, role)
    response = client.get(f"/v/{entry.video_id}/video.mp4")
    assert response.status_code == expected
    if expected == OK:
        assert response["Content-Type"] == "video/mp4"
        assert "private" in response.get("Cache-Control", "private")


def test_the_owner_of_a_pending_entry_sees_it_but_not_in_the_gallery(client, tmp_path):
    participant = make_participant()
    entry = make_entry(participant=participant, with_files=True, tmp_dir=tmp_path)
    client.force_login(participant.user)
    video = client.get(f"/v/{entry.video_id}/video.mp4")
    assert video.status_code == HTTPStatus.OK
    assert video["Cache-Control"] == "private, no-store"
    assert client.get(reverse("gallery:detail", args=[entry.pk])).status_code == (
        NOT_FOUND
    )
