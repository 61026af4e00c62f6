"""Guardian consent that a child cannot give themselves: each attack through HTTP.

A participant under their country's age of digital consent needs a parent or
guardian to confirm each entry by email. These tests play the child trying to answer
in the guardian's place, and the guardian who needs to see, and later undo, what they
agreed to.
"""

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from challenge.models import Entry, GuardianConsent
from tests.challenge.conftest import entry_post_data, make_participant

S = Entry.State
SUBMIT = "/en/challenge/submit/"


@pytest.fixture
def minor(campaign):
    """13 in Italy (consent at 14), with a Gmail address and a second one."""
    child = make_participant(age=13, country="IT", language="it")
    user = child.user
    user.email = "Kid.Name@gmail.com"
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).update(email=user.email)
    EmailAddress.objects.create(
        user=user, email="kid-second@example.org", verified=False, primary=False
    )
    return child


# --- 1. The guardian's address is not the child's own mailbox ----------------------


@pytest.mark.parametrize(
    "disguise",
    [
        "kid.name@gmail.com",  # case
        "KID.NAME+mum@gmail.com",  # +tag
        "kidname@gmail.com",  # dots Gmail ignores
        "k.i.d.n.a.m.e+parent@googlemail.com",  # googlemail.com is gmail.com
        "Kid-Second+guardian@Example.org",  # a second address of the account
    ],
)
def test_child_cannot_give_their_own_mailbox_as_the_guardians(
    client, minor, upload, disguise, django_capture_on_commit_callbacks
):
    client.force_login(minor.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            SUBMIT, entry_post_data(upload(), guardian_email=disguise)
        )
    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].errors["guardian_email"]
    assert "your own mailbox" in errors[0]
    assert not Entry.objects.exists()
    assert not GuardianConsent.objects.exists()
    assert mail.outbox == []


def test_a_real_guardian_address_is_accepted(
    client, minor, upload, django_capture_on_commit_callbacks
):
    client.force_login(minor.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            SUBMIT, entry_post_data(upload(), guardian_email="kid.parent@gmail.com")
        )
    assert Entry.objects.get().state == S.DRAFT
    assert [m.to for m in mail.outbox] == [["kid.parent@gmail.com"]]
