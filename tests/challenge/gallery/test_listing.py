"""The gallery list at size: constant queries, keyset pagination, page cache, conditional GET."""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from challenge.models import Entry
from challenge.services.moderation import decisions
from tests.challenge.factories import (
    make_entries,
    make_entry,
    make_user,
)
from tests.challenge.gallery.helpers import LIST, detail_url, listed_ids

pytestmark = pytest.mark.django_db
S = Entry.State


def _pages(client, query: dict, *, limit: int = 1000):
    """Follow the "More entries" links; yield each page's response."""
    url = LIST + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    for _ in range(limit):
        response = client.get(url)
        yield response
        if not response.context["next_url"]:
            return
        url = LIST + response.context["next_url"]


@pytest.mark.parametrize("sort", ["new", "hearts"])
def test_every_page_costs_the_same_queries_whatever_the_depth_and_total(
    client, settings, sort
):
    from django.core.cache import cache

    settings.GALLERY_PAGE_SIZE = 10
    make_entries(10, state=S.APPROVED)
    cache.clear()
    with CaptureQueriesContext(connection) as small_first:
        client.get(LIST, {"sort": sort})
    make_entries(290, state=S.APPROVED)
    cache.clear()  # the factory bypasses the services that bump the generation
    counts = []
    pages = list(_pages(client, {"sort": sort}))
    assert len(pages) == 30
    cache.clear()
    for page_number in (0, 15, 29):
        response = pages[page_number]
        url = response.wsgi_request.get_full_path()
        cache.clear()
        with CaptureQueriesContext(connection) as context:
            again = client.get(url)
        assert again.status_code == HTTPStatus.OK
        counts.append(len(context))
    assert counts == [len(small_first)] * 3
    # Served from the page cache (anonymous visitor): no query at all.
    with CaptureQueriesContext(connection) as cached:
        client.get(url)
    assert len(cached) == 0


def _csrf_from(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_cached_pages_carry_each_visitors_own_csrf_token():
    entry = make_entry(state=S.APPROVED)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [c.get(detail_url(entry)).content.decode() for c in (first, second)]
    assert "kh-csrf-placeholder" not in pages[0] + pages[1]
    tokens = [_csrf_from(page) for page in pages]
    assert tokens[0] != tokens[1]
    url = reverse("gallery:heart", kwargs={"pk": entry.pk})
    for visitor, token in zip((first, second), tokens, strict=True):
        response = visitor.post(url, {"csrfmiddlewaretoken": token})
        assert response.status_code == HTTPStatus.FOUND  # to the login, not a 403


def test_logged_in_visitors_never_get_an_anonymous_cached_page(client):
    make_entry(state=S.APPROVED)
    anonymous_page = client.get(LIST).content.decode()
    assert "Log out" not in anonymous_page
    client.force_login(make_user())
    assert "Log out" in client.get(LIST).content.decode()


def test_query_count_does_not_grow_with_the_logged_in_visitor(client):
    make_entries(30, state=S.APPROVED)
    client.force_login(make_user())
    client.get(LIST)
    with CaptureQueriesContext(connection) as first:
        client.get(LIST)
    make_entries(100, state=S.APPROVED)
    from django.core.cache import cache

    cache.clear()
    client.get(LIST)
    with CaptureQueriesContext(connection) as second:
        client.get(LIST)
    assert len(first) == len(second)


def test_pagination_is_stable_while_new_entries_are_approved(
    client, settings, committed
):
    settings.GALLERY_PAGE_SIZE = 10
    moderator = make_user(moderator=True)
    originals = make_entries(30, state=S.APPROVED)
    waiting = make_entries(3)
    seen: list[int] = []
    for number, response in enumerate(_pages(client, {})):
        seen.extend(listed_ids(response))
        if number < len(waiting):
            with committed():
                decisions.entry_approve(entry_id=waiting[number].pk, actor=moderator)
    assert len(seen) == len(set(seen)), "no duplicates"
    assert set(seen) == {e.pk for e in originals}, "no skips"
    assert listed_ids(client.get(LIST))[:3] == [e.pk for e in reversed(waiting)]


def test_a_tampered_cursor_starts_from_the_first_page(client, settings):
    settings.GALLERY_PAGE_SIZE = 2
    entries = make_entries(3, state=S.APPROVED)
    response = client.get(LIST, {"after": "bm90LWEtY3Vyc29y"})
    assert response.status_code == HTTPStatus.OK
    assert listed_ids(response) == [entries[2].pk, entries[1].pk]


def test_conditional_get_returns_304_until_the_gallery_changes(
    client, moderator, committed
):
    make_entry(state=S.APPROVED)
    response = client.get(LIST)
    etag = response["ETag"]
    assert "no-cache" in response["Cache-Control"]
    again = client.get(LIST, headers={"if-none-match": etag})
    assert again.status_code == HTTPStatus.NOT_MODIFIED
    with committed():
        decisions.entry_approve(entry_id=make_entry().pk, actor=moderator)
    changed = client.get(LIST, headers={"if-none-match": etag})
    assert changed.status_code == HTTPStatus.OK
    assert changed["ETag"] != etag


def test_etag_differs_per_visitor_and_language(client):
    make_entry(state=S.APPROVED)
    anonymous = client.get(LIST)["ETag"]
    italian = client.get("/it/gallery/")["ETag"]
    client.force_login(make_user())
    logged_in = client.get(LIST)["ETag"]
    assert len({anonymous, italian, logged_in}) == 3


def test_a_cached_page_costs_one_cache_call(monkeypatch):
    """The generation and the page come back together (one Redis round trip)."""
    from django.core.cache import cache

    make_entry(state=S.APPROVED)
    Client().get(LIST)  # fills the page cache
    calls = []
    nested = []  # local memory's get_many calls its own get: count the outer call
    for name in ("get", "get_many", "set", "add", "incr"):
        real = getattr(cache, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            if not nested:
                calls.append(_name)
            nested.append(_name)
            try:
                return _real(*args, **kwargs)
            finally:
                nested.pop()

        monkeypatch.setattr(cache, name, counted)
    response = Client().get(LIST)
    assert response.status_code == HTTPStatus.OK
    assert calls == ["get_many"]


def test_a_page_built_before_the_last_change_is_never_served():
    """A page stored with an older generation (a render that raced an approval or
    a hide) is rebuilt, even though it sits under the visitor's key."""
    from django.core.cache import cache
    from django.test import RequestFactory

    from challenge.selectors.gallery import gallery_generation
    from challenge.views.gallery import _page_cache_key

    entry = make_entry(state=S.APPROVED)
    visitor = Client()
    assert listed_ids(visitor.get(LIST)) == [entry.pk]
    request = RequestFactory().get(LIST)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    key = _page_cache_key(request)
    stale = (gallery_generation() - 1, b"<p>stale page</p>", "text/html")
    cache.set(key, stale, 300)
    response = visitor.get(LIST)
    assert "stale page" not in response.content.decode()
    assert listed_ids(response) == [entry.pk]  # rendered again, not from the cache


@pytest.mark.parametrize("path", ["list", "detail"])
def test_cached_pages_show_each_visitors_own_countrys_helpline(path):
    """The banner follows the country guessed from the browser's languages: a page
    cached for a visitor in Germany is never served to one in Switzerland."""
    entry = make_entry(state=S.APPROVED)
    url = "/de" + (LIST if path == "list" else detail_url(entry)).removeprefix("/en")

    def banner(accept_language: str) -> str:
        page = Client(HTTP_ACCEPT_LANGUAGE=accept_language).get(url).content.decode()
        return page.split('class="banner', 1)[1].split("</aside>", 1)[0]

    germany = banner("de-DE,de;q=0.9")
    switzerland = banner("de-CH,de;q=0.9")
    assert "Nummer gegen Kummer" in germany and "Pro Juventute" not in germany
    assert "Pro Juventute" in switzerland and "Nummer gegen Kummer" not in switzerland
    assert "Nummer gegen Kummer" in banner("de-DE")  # and the first one still cached


def test_a_new_country_choice_is_not_answered_not_modified(client):
    make_entry(state=S.APPROVED)
    first = client.get(LIST)
    etag = first["ETag"]
    client.cookies["kh_country"] = "CH"
    again = client.get(LIST, headers={"If-None-Match": etag})
    assert again.status_code == HTTPStatus.OK
    assert again["ETag"] != etag


def test_the_wall_shows_only_approved_entries(client):
    shown = make_entry(state=S.APPROVED)
    hidden = make_entry(state=S.PENDING_REVIEW)
    response = client.get(LIST, {"wall": "1"})
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "data-wall" in page and "wall.js" in page
    assert f"@{shown.participant.handle}" in page
    assert f"@{hidden.participant.handle}" not in page
    assert page.count('class="wall-slide"') == 1
    assert 'name="robots" content="noindex"' in page
    # The list links to it.
    assert 'href="?wall=1"' in client.get(LIST).content.decode()


def test_an_empty_wall_says_so(client):
    page = client.get(LIST, {"wall": "1"}).content.decode()
    assert "on their way" in page and 'class="wall-slide"' not in page
