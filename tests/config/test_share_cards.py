"""Share cards (core/cards.py and the providers in config/, stories/, challenge/):
drawn once per language and content, kept in storage, made again when what they
show changes, never served for a page that was taken down, never naming an
episode's creator."""

import datetime as dt
import io
import re
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone, translation
from PIL import Image

from campaign.demo import load_campaign
from challenge.models import Entry
from challenge.selectors.gallery import gallery_changed
from challenge.services.moderation.decisions import entry_hide
from challenge.services.submission import entry_withdraw
from core import cards
from stories.models import Episode, Series
from tests.challenge.factories import make_entry, make_participant, make_user
from videos.models import Video

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "it", "fr", "de")
OG_IMAGE = re.compile(r'<meta property="og:image" content="([^"]+)">')


def _webp(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (180, 320), colour).save(buffer, "WEBP")
    return buffer.getvalue()


def _ready_video(colour=(30, 120, 200)) -> Video:
    """A ready video with a real poster file (no clip needed for a card)."""
    video = Video.objects.create(
        status=Video.Status.READY, width=360, height=640, duration=5.0
    )
    video.poster.save("poster.webp", ContentFile(_webp(colour)), save=False)
    video.output.name = f"videos/{video.pk}/video.mp4"
    video.save()
    return video


def _poster_replaced(video: Video, colour) -> None:
    storage = video.poster.storage
    storage.delete(video.poster.name)
    storage.save(video.poster.name, ContentFile(_webp(colour)))
    video.save()  # as the pipeline does when it writes a new poster


@pytest.fixture
def episode(db):
    load_campaign()
    series = Series.objects.create(slug="create-kindness", title_en="#CreateKindness")
    return Episode.objects.create(
        series=series,
        slug="block-the-bullies",
        publish_at=timezone.now() - dt.timedelta(days=1),
        video=_ready_video(),
        creator_handle="@milkymichii",
        creator_name="Michelle Milky",
        situation=Episode.Situation.UNKIND_DUETS,
        synopsis_en="In the original episode, @milkymichii blocks the bullies.",
        **{f"title_{code}": f"Block the bullies ({code})" for code in LANGUAGES},
    )


def _approved_entry(**fields) -> Entry:
    entry = make_entry(state=Entry.State.APPROVED, **fields)
    entry.video.poster.storage.save(
        entry.video.poster.name, ContentFile(_webp((200, 60, 90)))
    )
    return entry


def _card_url(client, path: str) -> str:
    html = client.get(path).content.decode()
    return OG_IMAGE.search(html)[1]


def _fetch(client, url: str):
    return client.get(urlsplit(url).path)


def test_a_card_is_a_1200_by_630_jpeg_kept_for_a_year(client, episode, cards_drawn):
    url = _card_url(client, "/fr/stories/block-the-bullies/")
    assert "/fr/cards/episode/block-the-bullies/" in url
    response = _fetch(client, url)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Content-Language"] == "fr"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("JPEG", (1200, 630))
    assert [card.title for card in cards_drawn] == ["Block the bullies (fr)"]
    # Kept: the second visit is served from storage, not drawn again.
    assert _fetch(client, url).content == response.content
    assert len(cards_drawn) == 1


def test_the_card_is_made_again_when_the_episode_changes(client, episode, cards_drawn):
    page = "/en/stories/block-the-bullies/"
    first = _card_url(client, page)
    before = _fetch(client, first).content

    Episode.objects.filter(pk=episode.pk).update(title_en="Block them, tell a friend")
    second = _card_url(client, page)
    assert second != first
    assert _fetch(client, second).content != before
    assert cards_drawn[-1].title == "Block them, tell a friend"
    # A preview made before the change is sent to the card as it is now.
    old = _fetch(client, first)
    assert old.status_code == HTTPStatus.FOUND
    assert old["Location"] == urlsplit(second).path

    _poster_replaced(episode.video, (250, 200, 0))
    third = _card_url(client, page)
    assert third != second
    assert _fetch(client, third).status_code == HTTPStatus.OK
    # Only the newest version of each language is kept.
    _folders, files = storages["private"].listdir("cards/episode/block-the-bullies/")
    english = [name for name in files if name.startswith("en-")]
    assert english == ["en-" + third.rsplit("/", 1)[1]]


def test_a_new_translation_makes_a_new_card_in_that_language_only(client, episode):
    english = _card_url(client, "/en/stories/block-the-bullies/")
    italian = _card_url(client, "/it/stories/block-the-bullies/")
    Episode.objects.filter(pk=episode.pk).update(title_it="Blocca i bulli")
    assert _card_url(client, "/en/stories/block-the-bullies/") == english
    assert _card_url(client, "/it/stories/block-the-bullies/") != italian


def test_the_episode_card_never_names_the_creator(client, episode, cards_drawn):
    html = client.get("/en/stories/block-the-bullies/").content.decode()
    share_tags = "\n".join(
        line
        for line in html.splitlines()
        if 'property="og:' in line or "twitter:" in line
    )
    assert share_tags
    for name in ("milkymichii", "Michelle"):
        assert name not in share_tags
    _fetch(client, OG_IMAGE.search(html)[1])
    (card,) = cards_drawn
    drawn = " ".join((card.title, card.kicker, card.text, card.badge, card.alt))
    assert "milkymichii" not in drawn and "Michelle" not in drawn


def test_an_entry_card_shows_its_poster_handle_and_caption(client, cards_drawn):
    load_campaign()
    entry = _approved_entry(
        participant=make_participant(handle="kind_owl"),
        is_minor=True,
        caption="I helped a friend #kindness",
    )
    url = _card_url(client, f"/de/gallery/{entry.pk}/")
    response = _fetch(client, url)
    assert response.status_code == HTTPStatus.OK
    # No longer kept than the poster itself: it goes when the entry does.
    assert response["Cache-Control"] == "public, max-age=60"
    (card,) = cards_drawn
    assert card.language == "de"
    with translation.override("de"):
        title = translation.gettext("A moment by @%(handle)s")
    assert card.title == title % {"handle": "kind_owl"} != "A moment by @kind_owl"
    assert card.text == "I helped a friend #kindness"
    assert card.badge == ""
    assert [p.name for p in card.posters] == [entry.video.poster.name]


def test_a_demo_entrys_card_says_demo(client, cards_drawn):
    entry = _approved_entry(participant=make_participant(handle="demo.lena"))
    entry.participant.is_demo = True
    entry.participant.save()
    _fetch(client, _card_url(client, f"/en/gallery/{entry.pk}/"))
    assert cards_drawn[-1].badge == "Demo"


def test_the_card_changes_with_the_entrys_caption(client):
    entry = _approved_entry()
    first = _card_url(client, f"/en/gallery/{entry.pk}/")
    before = _fetch(client, first).content
    Entry.objects.filter(pk=entry.pk).update(caption="Kind words #kindness")
    # A page kept before the change still links the old card: it leads to the new.
    moved = _fetch(client, first)
    assert moved.status_code == HTTPStatus.FOUND
    assert moved["Location"] != urlsplit(first).path
    assert client.get(moved["Location"]).content != before
    gallery_changed([entry.pk])  # as every change to an entry does
    assert (
        urlsplit(_card_url(client, f"/en/gallery/{entry.pk}/")).path
        == (moved["Location"])
    )


def test_a_hidden_entrys_card_is_a_404(client):
    entry = _approved_entry()
    url = _card_url(client, f"/en/gallery/{entry.pk}/")
    assert f"/en/cards/entry/{entry.pk}/" in url
    assert _fetch(client, url).status_code == HTTPStatus.OK
    entry_hide(entry_id=entry.pk, actor=make_user(moderator=True))
    assert _fetch(client, url).status_code == HTTPStatus.NOT_FOUND


def test_a_withdrawn_entrys_cards_are_deleted(
    client, django_capture_on_commit_callbacks
):
    entry = _approved_entry()
    urls = [_card_url(client, f"/{code}/gallery/{entry.pk}/") for code in ("en", "it")]
    for url in urls:
        assert _fetch(client, url).status_code == HTTPStatus.OK
    folder = f"cards/entry/{entry.pk}/"
    stored = {
        f"{code}-{url.rsplit('/', 1)[1]}"
        for code, url in zip(("en", "it"), urls, strict=True)
    }
    assert stored <= set(storages["private"].listdir(folder)[1])
    with django_capture_on_commit_callbacks(execute=True):
        entry_withdraw(entry=entry)
    for url in urls:
        assert _fetch(client, url).status_code == HTTPStatus.NOT_FOUND
    assert storages["private"].listdir(folder)[1] == []


def test_only_a_known_card_answers(client, episode):
    home = _card_url(client, "/en/")
    assert _fetch(client, home).status_code == HTTPStatus.OK
    version = urlsplit(home).path.rsplit("/", 1)[1]
    for path in (
        f"/en/cards/page/nowhere/{version}",
        f"/en/cards/nothing/home/{version}",
        f"/en/cards/entry/x/{version}",
        f"/en/cards/entry/12345678/{version}",
        f"/en/cards/episode/no-such-episode/{version}",
    ):
        assert client.get(path).status_code == HTTPStatus.NOT_FOUND, path


def test_every_language_has_its_own_page_card(client, episode, cards_drawn):
    urls = {code: _card_url(client, f"/{code}/gallery/") for code in LANGUAGES}
    assert len(set(urls.values())) == len(LANGUAGES)
    images = {code: _fetch(client, url).content for code, url in urls.items()}
    assert len(set(images.values())) == len(LANGUAGES)
    for card in cards_drawn:
        with translation.override(card.language):
            assert card.title == translation.gettext("The gallery")
    assert {card.title for card in cards_drawn} >= {"The gallery", "La galerie"}


def test_the_renderer_draws_any_text_at_its_size():
    card = cards.Card(
        kind="page",
        key="test",
        title="Gyönyörű łódź, Привет мир 😀 " * 6,
        kicker="Épisode 1 sur 6",
        text="Ein sehr langer Text über Freundlichkeit " * 10,
        badge="Démo",
        language="fr",
    )
    image = Image.open(io.BytesIO(cards.card_render(card)))
    assert (image.format, image.size) == ("JPEG", (1200, 630))


def test_the_bottom_of_an_episode_poster_never_reaches_its_card(client, episode):
    """The demo clips write the creator's handle in their bottom fifth (and TikTok
    its watermark low down): a poster whose bottom quarter is pure green leaves no
    green on the card."""
    poster = Image.new("RGB", (180, 320), (30, 60, 160))
    poster.paste((0, 255, 0), (0, 240, 180, 320))
    buffer = io.BytesIO()
    poster.save(buffer, "WEBP", lossless=True)
    storage = episode.video.poster.storage
    storage.delete(episode.video.poster.name)
    storage.save(episode.video.poster.name, ContentFile(buffer.getvalue()))
    episode.video.save()
    for path in ("/en/stories/block-the-bullies/", "/en/"):
        image = Image.open(io.BytesIO(_fetch(client, _card_url(client, path)).content))
        green = sum(
            1
            for r, g, b in image.convert("RGB").get_flattened_data()
            if g > 200 and r < 80 and b < 80
        )
        assert green == 0, path
