"""Issue "safety at the edges", point 6: staff and the audit trail.

The admin log-in limit counts failures, keyed by the account and the address, so a
guesser is stopped while the moderators of one office, behind one address, are not
shut out by one person's typos (or by an attacker who knows that address).
"""

from http import HTTPStatus

import pytest

from tests.challenge.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
LOGIN = "/en/admin/login/"
OFFICE = "203.0.113.7"


def _try(client, username, password, address=OFFICE):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
    ).status_code


def test_one_moderators_failures_never_shut_out_a_colleague_at_the_same_address(client):
    alice = make_user(moderator=True)
    bob = make_user(moderator=True)
    failures = [_try(client, alice.username, f"typo-{n}") for n in range(6)]
    assert failures[:5] == [HTTPStatus.OK] * 5
    assert failures[5] == HTTPStatus.TOO_MANY_REQUESTS  # alice waits a few minutes

    assert _try(client, bob.username, PASSWORD) == HTTPStatus.FOUND  # bob works


def test_successful_log_ins_count_nothing(client):
    moderator = make_user(moderator=True)
    for _ in range(12):
        assert _try(client, moderator.username, PASSWORD) == HTTPStatus.FOUND
        client.logout()


def test_guessing_one_account_from_many_addresses_is_stopped(client):
    target = make_user(moderator=True)
    answers = [
        _try(client, target.username, f"guess-{n}", address=f"198.51.100.{n}")
        for n in range(21)
    ]
    assert answers[:20] == [HTTPStatus.OK] * 20
    assert answers[20] == HTTPStatus.TOO_MANY_REQUESTS


def test_the_account_key_ignores_case_and_spaces(client):
    target = make_user(moderator=True)
    spellings = [target.username, target.username.upper(), f" {target.username} "]
    answers = [_try(client, spellings[n % 3], f"guess-{n}") for n in range(6)]
    assert answers[5] == HTTPStatus.TOO_MANY_REQUESTS


# --- Decisions stay attributed, under a name that is not an e-mail address -----------


def test_a_staff_account_cannot_erase_its_decisions_by_deleting_itself(client):
    from challenge.errors import StaffAccountKept
    from challenge.models import Entry, EntryEvent
    from challenge.services import privacy
    from tests.challenge.factories import make_entry

    moderator = make_user(moderator=True)
    entry = make_entry(state=Entry.State.APPROVED, decided_by=moderator)
    client.force_login(moderator)

    page = client.post(
        "/en/challenge/my-data/delete-account/",
        {"password": PASSWORD, "confirm": "on"},
    )

    assert page.status_code == HTTPStatus.FORBIDDEN
    assert "only an administrator of the site can close it" in page.content.decode()
    with pytest.raises(StaffAccountKept):
        privacy.account_delete(user=moderator)
    assert EntryEvent.objects.filter(entry=entry, actor=moderator).exists()


def test_the_audit_log_and_its_csv_never_show_an_e_mail_local_part(client):
    from challenge.models import Entry
    from challenge.services.submission import entry_withdraw
    from tests.challenge.factories import make_entry, make_participant

    moderator = make_user(email="jane.moderator@example.org", moderator=True)
    moderator.first_name, moderator.last_name = "Jane", "M."
    moderator.save()
    nameless = make_user(email="second.moderator@example.org", moderator=True)
    child = make_participant()
    child.user.email = "kid.secret@example.org"
    child.user.username = "kid.secret"
    child.user.save()
    make_entry(state=Entry.State.APPROVED, decided_by=moderator)
    make_entry(state=Entry.State.REJECTED, decided_by=nameless)
    withdrawn = make_entry(state=Entry.State.PENDING_REVIEW, participant=child)
    entry_withdraw(entry=withdrawn, actor=child.user)
    admin = make_user(superuser=True)
    client.force_login(admin)

    log = client.get("/en/admin/challenge/entryevent/").content.decode()
    csv = b"".join(
        client.post(
            "/en/admin/challenge/entryevent/",
            {
                "action": "export_csv",
                "select_across": "1",
                "index": "0",
                "_selected_action": "1",
            },
        ).streaming_content
    ).decode()

    for page in (log, csv):
        assert "Jane M." in page
        assert f"Staff member {nameless.pk}" in page
        for secret in ("jane.moderator", "second.moderator", "kid.secret"):
            assert secret not in page
