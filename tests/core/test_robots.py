"""robots.txt keeps private pages out of search engines and public ones in."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from core.views import ROBOTS_DISALLOWED


def _rules() -> list[str]:
    response = Client().get("/robots.txt")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode().splitlines()


def test_private_pages_are_disallowed_in_every_language(settings):
    rules = _rules()
    assert rules[0] == "User-agent: *"
    for code, _ in settings.LANGUAGES:
        for path in ("admin/", "accounts/", "challenge/my-data/", "challenge/profile/"):
            assert f"Disallow: /{code}/{path}" in rules


@pytest.mark.parametrize(
    "public",
    [
        "/en/",
        "/it/stories/",
        "/fr/gallery/",
        "/de/help/",
        "/en/challenge/",
        "/en/challenge/submit/",
    ],
)
def test_public_pages_are_not_disallowed(public):
    disallowed = [
        rule.split(": ", 1)[1] for rule in _rules() if rule.startswith("Disallow")
    ]
    assert not any(public.startswith(prefix) for prefix in disallowed)


@pytest.mark.parametrize("prefix", ROBOTS_DISALLOWED)
def test_every_disallowed_prefix_is_a_real_part_of_the_site(prefix):
    """A renamed URL would leave a rule that protects nothing: each prefix must
    begin at least one URL the site answers."""
    from django.urls import get_resolver

    def paths(patterns, base=""):
        for pattern in patterns:
            route = base + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from paths(pattern.url_patterns, route)
            else:
                yield route

    routes = [route.removeprefix("en/") for route in paths(get_resolver().url_patterns)]
    assert any(route.startswith(prefix) for route in routes), prefix
    with pytest.raises(Resolver404):
        resolve("/robots.txt/")  # one exact address


def test_favicon_ico_leads_to_the_sites_icon():
    response = Client().get("/favicon.ico")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"].endswith("img/heart.svg")
    assert Client().get(response["Location"]).status_code == HTTPStatus.OK
