"""The kindness nudge on the upload page, before the upload: POST the caption, get
the watched phrases back (the same check the upload makes; nothing is stored)."""

from http import HTTPStatus

import pytest
from django.test import Client

from challenge.models import Nudge

CHECK = "/en/challenge/submit/caption-check/"
SUBMIT = "/en/challenge/submit/"


@pytest.mark.parametrize(
    "caption, phrases",
    [
        ("you are such an 1d10t lol", ["idiot"]),
        ("du Vollidiot!!!", ["vollidiot"]),
        ("You are a star, thank you!", []),
        ("a class assessment in Scunthorpe", []),
        ("", []),
    ],
)
def test_the_check_answers_the_phrases_the_upload_would_nudge_about(
    participant_client, caption, phrases
):
    response = participant_client.post(CHECK, {"caption": caption})
    assert response.status_code == HTTPStatus.OK
    assert sorted(response.json()["phrases"]) == sorted(phrases)
    assert not Nudge.objects.exists(), "advice only: nothing stored"


def test_a_caption_in_two_languages_gets_the_phrases_of_both(participant_client):
    response = participant_client.post(CHECK, {"caption": "cretino, vollidiot"})
    assert {"cretino", "vollidiot"} <= set(response.json()["phrases"])


def test_the_upload_page_points_its_script_at_the_check(participant_client, campaign):
    page = participant_client.get(SUBMIT).content.decode()
    assert f'data-check-url="{CHECK}"' in page
    assert "data-caption-nudge" in page


def test_a_visitor_without_an_account_gets_no_answer(client, db):
    response = client.post(CHECK, {"caption": "idiot"})
    assert response.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in response["Location"]


def test_reading_it_is_not_allowed(participant_client):
    response = participant_client.get(CHECK, {"caption": "idiot"})
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "POST"


def test_another_site_cannot_ask_for_a_signed_in_participant(participant):
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(participant.user)
    response = forged.post(CHECK, {"caption": "idiot"})
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_huge_caption_is_read_only_as_far_as_the_limit(participant_client):
    # 300 characters is the most a caption holds; a megabyte of text is cut short
    # before the check, so the word at its end is never looked for.
    caption = "kind " * 200_000 + "idiot"
    response = participant_client.post(CHECK, {"caption": caption})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["phrases"] == []


def test_asking_again_and_again_is_limited(participant_client, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "caption_check": "3/m/user",
    }
    answers = [
        participant_client.post(CHECK, {"caption": "idiot"}).status_code
        for _ in range(4)
    ]
    assert answers == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
