"""The profile step: handle, month and year of birth, country; under-13s refused."""

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from challenge.models import Participant
from tests.challenge.factories import (
    PASSWORD,
    birth_for_age,
    make_participant,
    make_user,
)

PROFILE = "/en/challenge/profile/"


def profile_data(age=20, country="FR", handle="kind_heart"):
    year, month = birth_for_age(age)
    return {
        "handle": handle,
        "birth_year": year,
        "birth_month": month,
        "country": country,
    }


@pytest.fixture
def account_client(client, db):
    user = make_user()
    client.force_login(user)
    client.user = user
    return client


def test_profile_is_created_and_leads_to_the_upload(account_client, campaign):
    response = account_client.post(PROFILE, profile_data(handle="@Kind_Heart"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("challenge:submit")
    participant = Participant.objects.get()
    assert participant.handle == "Kind_Heart"
    assert participant.user == account_client.user


def test_the_profiles_country_becomes_the_helpline_default(account_client, campaign):
    from campaign.selectors import COUNTRY_COOKIE

    account_client.post(PROFILE, profile_data(country="AT"))
    assert account_client.cookies[COUNTRY_COOKIE].value == "AT"
    page = account_client.get("/de/help/").content.decode()
    assert "Rat auf Draht" in page.split('id="your-helplines"')[1].split("</h2>")[1]


def test_a_country_chosen_before_sign_up_stays(account_client, campaign):
    from campaign.selectors import COUNTRY_COOKIE

    account_client.cookies[COUNTRY_COOKIE] = "CH"
    response = account_client.post(PROFILE, profile_data(country="DE"))
    assert COUNTRY_COOKIE not in response.cookies


@pytest.mark.parametrize(
    "handle, message",
    [
        ("KIND_HEART", "already taken"),
        ("ab", "3 to 24"),
        ("has space", "3 to 24"),
        ("Admin", "reserved"),
        ("the_idiot_99", "hurtful"),
    ],
)
def test_bad_handles_are_refused(account_client, handle, message):
    make_participant(handle="kind_heart")
    response = account_client.post(PROFILE, profile_data(handle=handle))
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert Participant.objects.count() == 1


def test_under_13_is_refused_kindly_and_nothing_is_kept(account_client, db):
    user = account_client.user
    response = account_client.post(PROFILE, profile_data(age=12))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Thank you for wanting to spread kindness" in page
    assert "We have not kept any of your details" in page
    assert not Participant.objects.exists()
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not EmailAddress.objects.filter(email=user.email).exists()
    # logged out
    assert account_client.get(reverse("challenge:my_entries")).status_code == (
        HTTPStatus.FOUND
    )


def test_future_birth_date_is_refused(account_client):
    today = timezone.localdate()
    if today.month == 12:
        pytest.skip("no later month in the year's choices in December")
    data = profile_data()
    data["birth_year"], data["birth_month"] = today.year, today.month + 1
    response = account_client.post(PROFILE, data)
    assert "future" in response.content.decode()


def test_existing_participant_can_change_only_the_handle(client, db):
    participant = make_participant(handle="first_name")
    client.force_login(participant.user)
    page = client.get(PROFILE).content.decode()
    assert "Kept private" in page
    client.post(PROFILE, {"handle": "second_name", "birth_year": 1900})
    participant.refresh_from_db()
    assert participant.handle == "second_name"
    assert participant.birth_year != 1900


def test_login_without_a_profile_leads_to_the_profile_step(client, db):
    user = make_user()
    response = client.post(
        "/en/accounts/login/", {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("challenge:profile")
