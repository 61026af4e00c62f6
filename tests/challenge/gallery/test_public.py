"""The public gallery: only approved entries, anywhere; hearts; reports; sharing;
constant queries and keyset pagination; conditional GET."""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from challenge.models import Entry, Heart, Report
from challenge.services import moderation
from tests.challenge.factories import (
    make_entries,
    make_entry,
    make_participant,
    make_user,
)

pytestmark = pytest.mark.django_db
S = Entry.State
LIST = reverse("gallery:list")
HIDDEN_STATES = [s for s in S.values if s != S.APPROVED]


def _detail(entry):
    return reverse("gallery:detail", kwargs={"pk": entry.pk})


def _listed_ids(response) -> list[int]:
    return [entry.pk for entry in response.context["entries"]]


# --- Only approved entries, anywhere ----------------------------------------------------


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_an_entry_not_approved_is_nowhere_public(client, state):
    entry = make_entry(state=state, caption="not for the public")
    visible = make_entry(state=S.APPROVED, caption="for everyone")
    assert _listed_ids(client.get(LIST)) == [visible.pk]
    assert client.get(_detail(entry)).status_code == HTTPStatus.NOT_FOUND
    for url in (reverse("gallery:feed"), reverse("gallery:embed"), "/en/"):
        page = client.get(url).content.decode()
        assert "not for the public" not in page, url
        assert "for everyone" in page, url


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_not_approved_is_404_even_for_moderators_and_its_owner(client, state):
    owner = make_participant()
    entry = make_entry(state=state, participant=owner)
    for user in (make_user(moderator=True), owner.user, make_user(superuser=True)):
        client.force_login(user)
        assert client.get(_detail(entry)).status_code == HTTPStatus.NOT_FOUND


def test_hiding_takes_effect_at_once_even_with_the_cache_warm(
    client, moderator, committed
):
    entry = make_entry(state=S.APPROVED)
    assert _listed_ids(client.get(LIST)) == [entry.pk]  # cached now
    with committed():
        moderation.entry_hide(entry_id=entry.pk, actor=moderator)
    assert _listed_ids(client.get(LIST)) == []
    assert client.get(_detail(entry)).status_code == HTTPStatus.NOT_FOUND


def test_removing_an_approved_entry_takes_effect_at_once(client, moderator, committed):
    entry = make_entry(state=S.APPROVED)
    client.get(LIST)
    client.get("/en/")
    with committed():
        moderation.entry_reject(entry_id=entry.pk, actor=moderator, reason="bullying")
    assert _listed_ids(client.get(LIST)) == []
    assert entry.caption not in client.get("/en/").content.decode()


def test_approving_shows_the_entry_at_once(client, moderator, committed):
    entry = make_entry()
    assert _listed_ids(client.get(LIST)) == []
    with committed():
        moderation.entry_approve(entry_id=entry.pk, actor=moderator)
    assert _listed_ids(client.get(LIST)) == [entry.pk]


def test_empty_gallery_invites_people_to_take_part(client):
    page = client.get(LIST).content.decode()
    assert reverse("challenge:index") in page
    assert "Take part in the challenge" in page


# --- Entry page ---------------------------------------------------------------------------


def test_entry_page_shows_only_the_handle_and_escapes_the_caption(client):
    user = make_user(email="real.person@example.org")
    user.first_name, user.last_name = "Realfirst", "Reallast"
    user.save()
    participant = make_participant(user=user, handle="kind_owl", country="IT")
    entry = make_entry(
        state=S.APPROVED,
        participant=participant,
        caption='<script>alert("x")</script> thank you #BeKind and #grazie!',
    )
    response = client.get(_detail(entry))
    page = response.content.decode()
    assert "@kind_owl" in page
    for private in ("Realfirst", "Reallast", "real.person", "2000"):
        assert private not in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert f'href="{LIST}?tag=BeKind">#BeKind</a>' in page
    assert f'href="{LIST}?tag=grazie">#grazie</a>' in page


def test_entry_page_has_share_links_and_cards_without_third_party_scripts(
    client, settings
):
    settings.SITE_URL = "https://kind.example"
    entry = make_entry(state=S.APPROVED)
    page = client.get(_detail(entry)).content.decode()
    absolute = f"https://kind.example/en/gallery/{entry.pk}/"
    assert f'<meta property="og:url" content="{absolute}">' in page
    assert (
        f'<meta property="og:image:alt" content="Video by @{entry.participant.handle}">'
        in page
    )
    assert '<meta property="og:title" content="A moment of kindness by @' in page
    assert (
        f'<meta property="og:image" content="https://kind.example/v/{entry.video_id}'
        '/poster.webp">' in page
    )
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert "https://wa.me/?text=" in page
    assert "mailto:?" in page
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert f'src="/v/{entry.video_id}/video.mp4"' in page


def test_hashtag_filter(client):
    tagged = make_entry(state=S.APPROVED, caption="so kind #BeKind")
    make_entry(state=S.APPROVED, caption="no tag here")
    assert _listed_ids(client.get(LIST, {"tag": "bekind"})) == [tagged.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"prompt": "words"}, {"words-it"}),
        ({"language": "it"}, {"words-it"}),
        ({"language": "en"}, {"moment-en"}),
        ({"prompt": "nonsense"}, {"words-it", "moment-en"}),
    ],
)
def test_filters(client, query, expected):
    make_entry(state=S.APPROVED, caption="words-it", prompt="words", language="it")
    make_entry(state=S.APPROVED, caption="moment-en", prompt="moment", language="en")
    response = client.get(LIST, query)
    assert {e.caption for e in response.context["entries"]} == expected


def test_most_hearted_first(client):
    low = make_entry(state=S.APPROVED, heart_count=1)
    high = make_entry(state=S.APPROVED, heart_count=9)
    middle = make_entry(state=S.APPROVED, heart_count=4)
    response = client.get(LIST, {"sort": "hearts"})
    assert _listed_ids(response) == [high.pk, middle.pk, low.pk]


# --- Speed at size: constant queries, keyset pagination, caching ------------------------------


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
    pages = [c.get(_detail(entry)).content.decode() for c in (first, second)]
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
        seen.extend(_listed_ids(response))
        if number < len(waiting):
            with committed():
                moderation.entry_approve(entry_id=waiting[number].pk, actor=moderator)
    assert len(seen) == len(set(seen)), "no duplicates"
    assert set(seen) == {e.pk for e in originals}, "no skips"
    assert _listed_ids(client.get(LIST))[:3] == [e.pk for e in reversed(waiting)]


def test_a_tampered_cursor_starts_from_the_first_page(client, settings):
    settings.GALLERY_PAGE_SIZE = 2
    entries = make_entries(3, state=S.APPROVED)
    response = client.get(LIST, {"after": "bm90LWEtY3Vyc29y"})
    assert response.status_code == HTTPStatus.OK
    assert _listed_ids(response) == [entries[2].pk, entries[1].pk]


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
        moderation.entry_approve(entry_id=make_entry().pk, actor=moderator)
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


def test_home_page_highlights_come_from_the_gallery(client):
    entry = make_entry(state=S.APPROVED, caption="home highlight")
    page = client.get("/en/").content.decode()
    assert "home highlight" in page
    assert _detail(entry) in page


# --- Hearts -------------------------------------------------------------------------------------


def test_heart_toggles_without_javascript(client):
    entry = make_entry(state=S.APPROVED)
    user = make_user()
    client.force_login(user)
    url = reverse("gallery:heart", kwargs={"pk": entry.pk})
    response = client.post(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == _detail(entry)
    entry.refresh_from_db()
    assert entry.heart_count == 1
    page = client.get(_detail(entry)).content.decode()
    assert 'aria-pressed="true"' in page
    client.post(url)
    entry.refresh_from_db()
    assert entry.heart_count == 0
    assert not Heart.objects.exists()


def test_heart_toggles_with_javascript(client):
    entry = make_entry(state=S.APPROVED, heart_count=0)
    client.force_login(make_user())
    url = reverse("gallery:heart", kwargs={"pk": entry.pk})
    data = client.post(url, headers={"accept": "application/json"}).json()
    assert (data["hearted"], data["count"]) == (True, 1)
    data = client.post(url, headers={"accept": "application/json"}).json()
    assert (data["hearted"], data["count"]) == (False, 0)


def test_hearts_move_the_list_and_invalidate_its_cache(client, committed):
    first = make_entry(state=S.APPROVED, heart_count=0)
    second = make_entry(state=S.APPROVED, heart_count=0)
    assert _listed_ids(client.get(LIST, {"sort": "hearts"})) == [second.pk, first.pk]
    client.force_login(make_user())
    with committed():
        client.post(reverse("gallery:heart", kwargs={"pk": first.pk}))
    assert _listed_ids(client.get(LIST, {"sort": "hearts"})) == [first.pk, second.pk]


def test_anonymous_visitors_are_asked_to_log_in(client):
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:heart", kwargs={"pk": entry.pk})
    response = client.post(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
    assert response["Location"].endswith(f"?next={_detail(entry)}")
    response = client.post(url, headers={"accept": "application/json"})
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["login_url"].startswith(reverse("account_login"))
    assert not Heart.objects.exists()


def test_a_pending_entry_cannot_be_hearted(client):
    entry = make_entry()
    client.force_login(make_user())
    response = client.post(reverse("gallery:heart", kwargs={"pk": entry.pk}))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not Heart.objects.exists()


def test_hearts_are_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "heart": "3/m/user"}
    entry = make_entry(state=S.APPROVED)
    client.force_login(make_user())
    url = reverse("gallery:heart", kwargs={"pk": entry.pk})
    statuses = [client.post(url).status_code for _ in range(4)]
    assert statuses == [HTTPStatus.FOUND] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
    assert "slow down" in client.post(url).content.decode().lower()


# --- Reports --------------------------------------------------------------------------------------


def test_a_visitor_reports_once_per_session(client):
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:report", kwargs={"pk": entry.pk})
    assert client.get(url).status_code == HTTPStatus.OK
    response = client.post(url, {"reason": "bullying", "text": "mean words"})
    assert response.status_code == HTTPStatus.OK
    assert "Your report has been sent" in response.content.decode()
    again = client.post(url, {"reason": "spam"})
    assert "already reported" in again.content.decode()
    report = Report.objects.get()
    assert (report.reason, report.text) == ("bullying", "mean words")
    assert report.reporter_key.startswith("s:")
    assert client.session.session_key not in report.reporter_key


def test_a_report_needs_a_session(settings):
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:report", kwargs={"pk": entry.pk})
    scripted = Client()
    response = scripted.post(url, {"reason": "spam"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not Report.objects.exists()
    # the form it got back came with a session: now it may report
    assert scripted.post(url, {"reason": "spam"}).status_code == HTTPStatus.OK
    assert Report.objects.count() == 1


def test_three_reports_hide_the_entry_from_the_gallery_at_once(settings):
    settings.MODERATION_HIDE_AT_REPORTS = 3
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:report", kwargs={"pk": entry.pk})
    for _ in range(3):
        visitor = Client()
        visitor.get(url)
        visitor.post(url, {"reason": "unsafe"})
    assert Client().get(_detail(entry)).status_code == HTTPStatus.NOT_FOUND
    entry.refresh_from_db()
    assert entry.state == S.HIDDEN


def test_reports_are_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "report": "2/m/ip"}
    entries = make_entries(3, state=S.APPROVED)
    statuses = []
    for entry in entries:
        url = reverse("gallery:report", kwargs={"pk": entry.pk})
        client.get(url)
        statuses.append(client.post(url, {"reason": "spam"}).status_code)
    assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]
    assert Report.objects.count() == 2


def test_a_bad_reason_keeps_the_text(client):
    entry = make_entry(state=S.APPROVED)
    url = reverse("gallery:report", kwargs={"pk": entry.pk})
    client.get(url)
    response = client.post(url, {"reason": "", "text": "please look"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "please look" in response.content.decode()
    assert not Report.objects.exists()


# --- Embed, feed, headers -------------------------------------------------------------------------


def test_embed_may_be_framed_by_partners_only(client, settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://partner.example"]
    make_entry(state=S.APPROVED)
    response = client.get(reverse("gallery:embed"))
    assert response.status_code == HTTPStatus.OK
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://partner.example" in policy
    assert "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]
    assert "script-src 'self'" in policy
    listing = client.get(LIST)
    assert listing["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in listing["Content-Security-Policy"]


def test_atom_feed_lists_approved_entries(client, settings):
    settings.SITE_URL = "https://kind.example"
    entry = make_entry(state=S.APPROVED, caption="feed me kindness")
    make_entry(caption="still pending")
    response = client.get(reverse("gallery:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "feed me kindness" in body
    assert "still pending" not in body
    assert f"https://kind.example/en/gallery/{entry.pk}/" in body


# --- Media: the checked view --------------------------------------------------------------------------


def test_media_of_an_approved_entry_is_public_with_correct_types(client, tmp_path):
    entry = make_entry(state=S.APPROVED, with_files=True, tmp_dir=tmp_path)
    poster = client.get(f"/v/{entry.video_id}/poster.webp")
    assert poster.status_code == HTTPStatus.OK
    assert poster["Content-Type"] == "image/webp"
    assert poster["X-Content-Type-Options"] == "nosniff"
    video = client.get(
        f"/v/{entry.video_id}/video.mp4", headers={"range": "bytes=0-99"}
    )
    assert video.status_code == HTTPStatus.PARTIAL_CONTENT
    assert video["Content-Type"] == "video/mp4"
    assert video["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/v/{entry.video_id}/original").status_code == (
        HTTPStatus.NOT_FOUND
    )


def test_media_stops_being_reachable_once_hidden(client, tmp_path, moderator):
    entry = make_entry(state=S.APPROVED, with_files=True, tmp_dir=tmp_path)
    url = f"/v/{entry.video_id}/video.mp4"
    assert client.get(url).status_code == HTTPStatus.OK
    moderation.entry_hide(entry_id=entry.pk, actor=moderator)
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert (
        client.get(f"/v/{entry.video_id}/poster.webp").status_code
        == HTTPStatus.NOT_FOUND
    )
    client.force_login(moderator)
    assert client.get(url).status_code == HTTPStatus.OK  # moderators still can
