"""Issue "safety at the edges", point 3: links bound to the site and to their state.

Every absolute link in every mail comes from SITE_URL: a request sent with the Host
header of an allowed name on another port (Django checks the name, not the port) must
not put that address into a password-reset or confirmation link.
"""

import re
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from challenge import tasks
from challenge.models import Entry, Note, NoteDigest, NoteSettings
from challenge.selectors.notes import note_prefs
from challenge.services.notes.writing import note_submit
from tests.challenge.factories import (
    entry_post_data,
    make_entry,
    make_participant,
    make_user,
)

pytestmark = pytest.mark.django_db
ELSEWHERE = "127.0.0.1:6666"  # an allowed host name, another port


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://kindness.example.org"
    return settings.SITE_URL


def test_a_password_reset_link_never_carries_the_requests_host(client, site):
    user = make_user(email="someone@example.org")
    client.post(
        "/en/accounts/password/reset/",
        {"email": user.email},
        HTTP_HOST=ELSEWHERE,
    )
    (message,) = mail.outbox
    links = _links(message)
    assert any("/accounts/password/reset/key/" in link for link in links)
    assert all(link.startswith(site) for link in links), links
    assert ELSEWHERE not in message.body


def test_a_reset_asked_for_an_unknown_address_links_to_the_site_too(client, site):
    client.post(
        "/en/accounts/password/reset/",
        {"email": "nobody@example.org"},
        HTTP_HOST=ELSEWHERE,
    )
    for message in mail.outbox:
        assert ELSEWHERE not in message.body
        assert all(link.startswith(site) for link in _links(message))


def test_the_confirmation_link_of_a_sign_up_never_carries_the_requests_host(
    client, site
):
    client.post(
        "/en/accounts/signup/",
        {
            "email": "new.person@example.org",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
        },
        HTTP_HOST=ELSEWHERE,
    )
    (message,) = mail.outbox
    links = _links(message)
    assert any("/accounts/confirm-email/" in link for link in links), message.body
    assert all(link.startswith(site) for link in links), links


def test_signing_up_again_with_a_known_address_mails_links_to_the_site(client, site):
    make_user(email="known@example.org")
    client.post(
        "/en/accounts/signup/",
        {
            "email": "known@example.org",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
        },
        HTTP_HOST=ELSEWHERE,
    )
    for message in mail.outbox:
        assert ELSEWHERE not in message.body


# --- Every link bound to the state it was issued for ---------------------------------
#
# Each test plays a late click on an old mail's link, in the browser of whoever holds
# the mail, after the state the link was issued for has changed: the link answers
# "no longer valid" and changes nothing.

NOTES_SETTINGS = "/en/challenge/notes/settings/"
STRANGER = "stranger@example.net"


def _path_in(message, part: str) -> str:
    link = next(link for link in _links(message) if part in link)
    return urlsplit(link).path


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ask_guardian_for_notes(client, capture, address="parent@example.net"):
    with capture(execute=True):
        return client.post(
            NOTES_SETTINGS,
            {"open": "1", "words": "", "guardian_email": address},
            follow=True,
        )


@pytest.fixture
def young_owner():
    """14 in France (consent at 15), with an entry in the gallery."""
    child = make_participant(age=14, country="FR")
    make_entry(state=Entry.State.APPROVED, participant=child)
    return child


def test_a_guardians_late_yes_never_reopens_notes_the_child_has_closed(
    young_owner, django_capture_on_commit_callbacks
):
    child = _logged_in(young_owner.user)
    _ask_guardian_for_notes(child, django_capture_on_commit_callbacks)
    (request,) = mail.outbox
    consent_path = _path_in(request, "/notes/guardian/")
    # The child changes their mind before the guardian answers: notes closed.
    child.post(NOTES_SETTINGS, {"open": "0", "words": ""})
    assert not note_prefs(young_owner).open

    guardian = Client()
    page = guardian.get(consent_path)
    assert page.status_code == HTTPStatus.GONE
    assert "no longer valid" in page.content.decode()
    late = guardian.post(consent_path, {"decision": "confirm"})
    assert late.status_code == HTTPStatus.GONE
    assert "no longer valid" in late.content.decode()
    row = NoteSettings.objects.get(participant=young_owner)
    assert row.open is False
    assert row.guardian_confirmed_at is None
    assert not note_prefs(young_owner).open
    # Nobody else can write under the child's entry.
    entry = Entry.objects.get(participant=young_owner)
    writer = _logged_in(make_participant().user)
    refused = writer.post(f"/en/gallery/{entry.pk}/notes/", {"text": "hello"})
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert not Note.objects.exists()


def test_alternating_two_addresses_never_floods_a_stranger(
    young_owner, django_capture_on_commit_callbacks
):
    """The attack of issue 30: the notes request only waited when the same address
    was asked again, so alternating two addresses mailed a stranger at every post."""
    child = _logged_in(young_owner.user)
    pages = []
    for turn in range(20):
        address = STRANGER if turn % 2 == 0 else "another@example.net"
        response = _ask_guardian_for_notes(
            child, django_capture_on_commit_callbacks, address
        )
        pages.append(response.content.decode())
    assert len(mail.outbox) == 4  # ACCOUNT_RATE_LIMITS["guardian_mail"]: 4 an hour
    assert len([m for m in mail.outbox if m.to == [STRANGER]]) == 2
    assert "To protect their inbox, please wait" in pages[4]


def test_one_limit_covers_entries_and_notes_whatever_the_address(
    campaign, upload, young_owner, django_capture_on_commit_callbacks, settings
):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "guardian_mail": "2/h/key",
    }
    child = _logged_in(young_owner.user)
    _ask_guardian_for_notes(child, django_capture_on_commit_callbacks, STRANGER)
    with django_capture_on_commit_callbacks(execute=True):
        child.post(
            "/en/challenge/submit/",
            entry_post_data(upload(), guardian_email="someone.else@example.net"),
        )
    assert len(mail.outbox) == 2
    # A third mail, to yet another address, from either flow: refused, explained.
    with django_capture_on_commit_callbacks(execute=True):
        page = child.get("/en/challenge/submit/")
        refused = child.post(
            "/en/challenge/submit/",
            entry_post_data(upload(), guardian_email="third@example.net"),
        )
        resend = child.post("/en/challenge/notes/settings/guardian/resend/")
    assert "To protect their inbox" in page.content.decode()  # before the upload
    assert "To protect their inbox" in refused.content.decode()
    assert resend.status_code == HTTPStatus.FOUND
    assert len(mail.outbox) == 2
    assert Entry.objects.filter(participant=young_owner).count() == 2  # 1 + fixture


def _digest_for(owner):
    entry = make_entry(state=Entry.State.APPROVED, participant=owner)
    note_submit(entry_id=entry.pk, participant=make_participant(), text="Lovely!")
    NoteDigest.objects.all().delete()  # a digest a day: this is a new day's
    tasks.notes_digest()
    return _path_in(mail.outbox[-1], "/notes/unsubscribe/")


def test_an_unsubscribe_link_dies_when_the_accounts_address_changes():
    owner = make_participant()
    unsubscribe = _digest_for(owner)
    # The account moves to a new address; the old mailbox keeps the old mail.
    owner.user.email = "new.address@example.org"
    owner.user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=owner.user).update(email=owner.user.email)

    holder_of_the_old_mailbox = Client()
    page = holder_of_the_old_mailbox.get(unsubscribe)
    assert page.status_code == HTTPStatus.GONE
    assert "no longer valid" in page.content.decode()
    holder_of_the_old_mailbox.post(unsubscribe)
    assert note_prefs(owner).digest


def test_an_unsubscribe_link_never_undoes_a_later_choice_to_get_the_mails():
    owner = make_participant()
    unsubscribe = _digest_for(owner)
    visitor = Client()
    assert visitor.post(unsubscribe).status_code == HTTPStatus.OK
    assert not note_prefs(owner).digest
    # Pressed again: says it is done, changes nothing.
    again = visitor.post(unsubscribe)
    assert again.status_code == HTTPStatus.OK
    assert "no more mails" in again.content.decode()
    # The owner switches the digest back on in their settings...
    _logged_in(owner.user).post(
        NOTES_SETTINGS, {"open": "1", "words": "", "digest": "on"}
    )
    assert note_prefs(owner).digest
    # ...and the old mail's link no longer switches it off.
    late = visitor.post(unsubscribe)
    assert late.status_code == HTTPStatus.GONE
    assert "no longer valid" in late.content.decode()
    assert note_prefs(owner).digest


# --- allauth's links: already bound to their state (checked, nothing to fix) -------


def test_a_password_reset_link_dies_once_the_password_has_changed(client, site):
    """allauth's token generator is Django's, which hashes the password and the
    last log-in (and allauth adds the account's addresses)."""
    user = make_user(email="someone@example.org")
    client.post("/en/accounts/password/reset/", {"email": user.email})
    reset = urlsplit(_links(mail.outbox[-1])[0]).path
    user.set_password("a-brand-new-passphrase-77")
    user.save(update_fields=["password"])
    late = Client().get(reset, follow=True)
    assert late.context["token_fail"] is True


def test_a_confirmation_link_dies_once_its_address_is_removed(client, site):
    """allauth's HMAC key names the address row: removed, the key finds nothing."""
    client.post(
        "/en/accounts/signup/",
        {
            "email": "new.person@example.org",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
        },
    )
    confirm = urlsplit(
        next(link for link in _links(mail.outbox[-1]) if "confirm-email" in link)
    ).path
    EmailAddress.objects.filter(email="new.person@example.org").delete()
    late = Client().get(confirm)
    assert late.context["confirmation"] is None  # "expired or invalid"
    Client().post(confirm)
    assert not EmailAddress.objects.filter(verified=True).exists()
