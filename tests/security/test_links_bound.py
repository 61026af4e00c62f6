"""Issue "safety at the edges", point 3: links bound to the site and to their state.

Every absolute link in every mail comes from SITE_URL: a request sent with the Host
header of an allowed name on another port (Django checks the name, not the port) must
not put that address into a password-reset or confirmation link.
"""

import re

import pytest
from django.core import mail

from tests.challenge.factories import make_user

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
