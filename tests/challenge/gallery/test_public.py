"""The public gallery: only approved entries, anywhere; the entry page, sharing,
filters and sorting."""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import Entry
from challenge.services.moderation import decisions
from tests.challenge.factories import (
    make_entry,
    make_participant,
    make_user,
)
from tests.challenge.gallery.helpers import LIST, detail_url, listed_ids

pytestmark = pytest.mark.django_db
S = Entry.State
HIDDEN_STATES = [s for s in S.values if s != S.APPROVED]


# --- Only approved entries, anywhere ----------------------------------------------------


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_an_entry_not_approved_is_nowhere_public(client, state):
    entry = make_entry(state=state, caption="not for the public")
    visible = make_entry(state=S.APPROVED, caption="for everyone")
    assert listed_ids(client.get(LIST)) == [visible.pk]
    assert client.get(detail_url(entry)).status_code == HTTPStatus.NOT_FOUND
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
        assert client.get(detail_url(entry)).status_code == HTTPStatus.NOT_FOUND


def test_hiding_takes_effect_at_once_even_with_the_cache_warm(
    client, moderator, committed
):
    entry = make_entry(state=S.APPROVED)
    assert listed_ids(client.get(LIST)) == [entry.pk]  # cached now
    with committed():
        decisions.entry_hide(entry_id=entry.pk, actor=moderator)
    assert listed_ids(client.get(LIST)) == []
    assert client.get(detail_url(entry)).status_code == HTTPStatus.NOT_FOUND


def test_removing_an_approved_entry_takes_effect_at_once(client, moderator, committed):
    entry = make_entry(state=S.APPROVED)
    client.get(LIST)
    client.get("/en/")
    with committed():
        decisions.entry_reject(entry_id=entry.pk, actor=moderator, reason="bullying")
    assert listed_ids(client.get(LIST)) == []
    assert entry.caption not in client.get("/en/").content.decode()


def test_approving_shows_the_entry_at_once(client, moderator, committed):
    entry = make_entry()
    assert listed_ids(client.get(LIST)) == []
    with committed():
        decisions.entry_approve(entry_id=entry.pk, actor=moderator)
    assert listed_ids(client.get(LIST)) == [entry.pk]


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
    response = client.get(detail_url(entry))
    page = response.content.decode()
    assert "@kind_owl" in page
    birth_year = str(participant.birth_year)
    for private in ("Realfirst", "Reallast", "real.person", birth_year):
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
    page = client.get(detail_url(entry)).content.decode()
    absolute = f"https://kind.example/en/gallery/{entry.pk}/"
    assert f'<meta property="og:url" content="{absolute}">' in page
    assert (
        f'<meta property="og:image:alt" content="Video by @{entry.participant.handle}">'
        in page
    )
    assert '<meta property="og:title" content="A moment of kindness by @' in page
    # The entry's share card (core/cards.py), in the page's language.
    assert re.search(
        rf'<meta property="og:image" content="https://kind\.example/en/cards/entry/'
        rf'{entry.pk}/[0-9a-f]{{16}}\.jpg">',
        page,
    )
    assert '<meta property="og:image:width" content="1200">' in page
    assert '<meta property="og:image:height" content="630">' in page
    assert '<meta property="og:image:type" content="image/jpeg">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert "https://wa.me/?text=" in page
    assert "mailto:?" in page
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert f'src="/v/{entry.video_id}/video.mp4"' in page


def test_hashtag_filter(client):
    tagged = make_entry(state=S.APPROVED, caption="so kind #BeKind")
    make_entry(state=S.APPROVED, caption="no tag here")
    assert listed_ids(client.get(LIST, {"tag": "bekind"})) == [tagged.pk]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("kind", {"kind", "kind-end", "kind-comma"}),
        ("kindness", {"kindness"}),
        ("KINDNESS", {"kindness"}),
        ("kindnes", set()),
        ("friends", {"kind"}),
        ("glück", {"glück"}),
        ("gl", set()),
    ],
)
def test_the_hashtag_filter_matches_whole_hashtags_only(client, tag, expected):
    captions = {
        "kind": "so #kind and #friends",
        "kind-end": "be #Kind",
        "kind-comma": "#kind, always",
        "kindness": "#kindness is a superpower",
        "glück": "viel #Glück!",
    }
    by_pk = {
        make_entry(state=S.APPROVED, caption=caption).pk: name
        for name, caption in captions.items()
    }
    listed = {by_pk[pk] for pk in listed_ids(client.get(LIST, {"tag": tag}))}
    assert listed == expected


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
    assert listed_ids(response) == [high.pk, middle.pk, low.pk]


def test_home_page_highlights_come_from_the_gallery(client):
    entry = make_entry(state=S.APPROVED, caption="home highlight")
    page = client.get("/en/").content.decode()
    assert "home highlight" in page
    assert detail_url(entry) in page
