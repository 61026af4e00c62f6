"""Issue "safety at the edges", point 1: one mailbox, in any spelling.

A child asked for a parent's address gives one of their own, written the way RFC
5321/5322 and IDNA allow a mailbox to be written again (quotes, comments, spaces, a
Unicode domain, full-width letters…), or comes back to the age gate with such a
spelling; an address the site cannot read as one mailbox is refused with a message;
and the age gate remembers only addresses the account proved it receives, so nobody
can shut out a stranger's address.
"""

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from challenge.errors import UnclearMailbox
from challenge.mailboxes import mailbox_key
from challenge.models import AgeGateRefusal, Entry, GuardianConsent, Participant
from tests.challenge.factories import (
    birth_for_age,
    entry_post_data,
    make_participant,
    make_user,
)

SUBMIT = "/en/challenge/submit/"
PROFILE = "/en/challenge/profile/"

# Every one of these reaches the mailbox of Kid.Name@gmail.com or kid@bücher.example.
SAME_MAILBOX = [
    '"kid.name"@gmail.com',  # a quoted local part says the same as the plain one
    '"kid\\.name"@gmail.com',  # with a quoted pair inside
    'kid."name"@gmail.com',  # a quoted word among atoms
    "kid(my parent).name@gmail.com",  # a comment
    "kid.name@(mum)gmail.com",  # a comment before the domain
    " kid . name @ gmail.com ",  # folding white space
    "kid.name@gmail.com.",  # the domain's trailing dot
    "kid.name@ＧＭＡＩＬ.ＣＯＭ",  # full-width letters (IDNA maps them)
    "kid.name@gm\u200bail.com",  # a zero-width space IDNA maps to nothing
    '"Kid.Name+mum"@googlemail.com',  # quoted, tagged, the alias domain
]
SAME_IDN_MAILBOX = [
    "kid@xn--bcher-kva.example",  # the A-label of bücher
    "KID@BÜCHER.example",
    "kid@bu\u0308cher.example",  # ü written as u + combining diaeresis
]
UNCLEAR = [
    "kid.name@[142.250.180.5]",  # a domain literal
    "@relay.example:kid.name@gmail.com",  # a source route
    "kid.name%gmail.com@relay.example",  # the percent hack
    "relay.example!kid.name@gmail.com",  # a bang path
    '"kid.name@gmail.com"@relay.example',  # an address inside the local part
    "kid..name@gmail.com",
    "kid.name@gmail..com",
    "kid(unclosed@gmail.com",
    "kid\u200dname@gmail.com",  # an invisible joiner in the local part
    "kid.name",
]


@pytest.mark.parametrize("spelling", SAME_MAILBOX)
def test_every_spelling_of_a_mailbox_has_its_one_key(spelling):
    assert mailbox_key(spelling) == mailbox_key("Kid.Name@gmail.com")


@pytest.mark.parametrize("spelling", SAME_IDN_MAILBOX)
def test_a_unicode_domain_and_its_ascii_form_are_one_mailbox(spelling):
    assert mailbox_key(spelling) == mailbox_key("kid@bücher.example")


@pytest.mark.parametrize(
    "other",
    [
        "kid.name@gmail.co",
        "kid.names@gmail.com",
        "kid.name@example.com",
        "kid@bucher.example",
        '"kid name"@gmail.com',  # a space inside quotes is part of the name
    ],
)
def test_other_mailboxes_stay_other(other):
    assert mailbox_key(other) not in {
        mailbox_key("Kid.Name@gmail.com"),
        mailbox_key("kid@bücher.example"),
    }


@pytest.mark.parametrize("address", UNCLEAR)
def test_an_address_the_key_cannot_read_is_refused(address):
    with pytest.raises(UnclearMailbox):
        mailbox_key(address)


# --- The guardian of an entry -------------------------------------------------------


@pytest.fixture
def minor(campaign):
    """13 in Italy (consent at 14), signed up as Kid.Name@gmail.com."""
    child = make_participant(age=13, country="IT", language="it")
    child.user.email = "Kid.Name@gmail.com"
    child.user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=child.user).update(email=child.user.email)
    return child


@pytest.mark.parametrize("disguise", SAME_MAILBOX)
def test_child_cannot_give_any_spelling_of_their_own_mailbox_for_an_entry(
    client, minor, upload, disguise, django_capture_on_commit_callbacks
):
    client.force_login(minor.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            SUBMIT,
            entry_post_data(upload(), guardian_email=disguise, language="en"),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == HTTPStatus.OK
    form = response.context["form"]
    if "guardian_email" in form.errors:
        # Django's own check refuses some spellings before ours (comments, spaces):
        # either way nothing is asked of anyone.
        assert form.errors["guardian_email"]
    assert not Entry.objects.exists()
    assert not GuardianConsent.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("address", UNCLEAR[:5])
def test_an_unreadable_guardian_address_gets_a_clear_message_and_keeps_the_caption(
    client, minor, upload, address
):
    client.force_login(minor.user)
    response = client.post(
        SUBMIT,
        entry_post_data(upload(), guardian_email=address, caption="Kind words here"),
    )
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert response.context["form"].errors["guardian_email"]
    assert "Kind words here" in page
    assert not GuardianConsent.objects.exists()
    assert mail.outbox == []


def test_the_service_refuses_an_unreadable_guardian_address_too(minor):
    from challenge.services.guardian import guardian_consent_request
    from tests.challenge.factories import make_entry

    entry = make_entry(state=Entry.State.DRAFT, participant=minor)
    with pytest.raises(UnclearMailbox):
        guardian_consent_request(entry=entry, guardian_email="kid.name@[10.0.0.1]")
    assert not GuardianConsent.objects.exists()


# --- The guardian of notes ------------------------------------------------------------


@pytest.mark.parametrize("disguise", SAME_MAILBOX[:4] + SAME_MAILBOX[7:])
def test_child_cannot_give_their_own_mailbox_for_the_notes_consent(
    minor, disguise, django_capture_on_commit_callbacks
):
    browser = Client()
    browser.force_login(minor.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("challenge:notes_settings"),
            {"open": "1", "words": "", "guardian_email": disguise},
        )
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["guardian_email"]
    assert mail.outbox == []


# --- The age gate ---------------------------------------------------------------------


def _profile(browser, *, age: int, handle: str):
    year, month = birth_for_age(age)
    return browser.post(
        PROFILE,
        {"handle": handle, "birth_year": year, "birth_month": month, "country": "FR"},
    )


@pytest.mark.parametrize(
    "spelling", ['"kid.name"@gmail.com', "kid.name@ＧＭＡＩＬ.com"]
)
def test_an_under_13_cannot_come_back_with_another_spelling_of_the_mailbox(
    db, spelling
):
    first = Client()
    first.force_login(make_user(email="kid.name@gmail.com"))
    assert (
        "Thank you for wanting"
        in _profile(first, age=12, handle="first_try").content.decode()
    )

    again = Client()
    again.force_login(make_user(email=spelling))
    page = _profile(again, age=16, handle="second_try").content.decode()

    assert "Thank you for wanting" in page
    assert not Participant.objects.exists()


def test_an_unverified_address_added_by_someone_else_never_shuts_its_owner_out(db):
    """A bully adds the victim's address, unverified, to a throwaway account and
    declares an age of 10; the victim signs up with it later and is welcomed."""
    bully = make_user(email="throwaway@example.org")
    EmailAddress.objects.create(
        user=bully, email="victim@example.org", verified=False, primary=False
    )
    browser = Client()
    browser.force_login(bully)
    assert (
        "Thank you for wanting"
        in _profile(browser, age=10, handle="throwaway").content.decode()
    )
    assert AgeGateRefusal.objects.count() == 1  # the bully's own verified address only

    victim = make_user(email="victim@example.org")
    theirs = Client()
    theirs.force_login(victim)
    response = _profile(theirs, age=15, handle="victim_here")

    assert response.status_code == HTTPStatus.FOUND
    assert Participant.objects.filter(user=victim).exists()
    assert get_user_model().objects.filter(pk=victim.pk).exists()


def test_sign_up_refuses_an_address_that_is_not_one_readable_mailbox(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": '"kid@gmail.com"@relay.example',
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "We cannot tell which mailbox this address reaches" in (
        response.content.decode()
    )
    assert not get_user_model().objects.exists()
