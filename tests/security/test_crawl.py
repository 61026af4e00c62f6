"""Crawl the public site as an anonymous visitor and fetch every media link.

Entries exist in every state, each with real files in private storage. Only the
approved entries' files may be linked and answer 200; the others must never appear
as a link, nor answer 200 at any of their URLs.
"""

import re
from collections import deque
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.test import Client

from campaign.demo import load_campaign
from challenge.models import Entry
from tests.challenge.factories import make_entry, make_participant

S = Entry.State
LANGUAGES = ("en", "it", "fr", "de")
MAX_PAGES = 400
MEDIA = re.compile(
    r"(/v/[0-9a-f-]{36}/(?:hls/(?:\w+/)?)?[\w.]+|/media/[^\s\"'<>)]+"
    r"|/(?:en|it|fr|de)/challenge/entries/\d+/poster/"
    # share cards (core/cards.py): pictures, fetched like the posters
    r"|/(?:en|it|fr|de)/cards/[\w-]+/[\w.-]+/[0-9a-f]{16}\.jpg)"
)
GALLERY_LIST = re.compile(r"^/(?:en|it|fr|de)/gallery/$")
# (log-in and sign-up with a `next`: the same form, once for every page that
# asks for an account)
NOT_FOLLOWED = re.compile(
    r"^/(?:en|it|fr|de)/(?:admin|accounts/logout|i18n|jsi18n)/"
    r"|^/(?:en|it|fr|de)/accounts/(?:login|signup)/\?next="
    r"|/heart/$|/banner/dismiss/$|/country/$"
)


class Links(HTMLParser):
    """Every URL in href, src, poster, srcset and <meta content>."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if not value:
                continue
            if name in ("href", "src", "poster", "action", "data-copy-link"):
                self.urls.append(value)
            elif name == "srcset":
                self.urls += [part.split()[0] for part in value.split(",") if part]
            elif (
                name == "content" and tag == "meta" and value.startswith(("/", "http"))
            ):
                self.urls.append(value)


def site_path(url: str, base: str) -> str | None:
    parts = urlsplit(urljoin(base, url))
    if parts.scheme not in ("http", "https") or (
        parts.netloc and parts.netloc not in ("testserver", "127.0.0.1:8000")
    ):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _gallery_filters_combined(target: str) -> bool:
    """A gallery list filtered on more than one thing at once. Every filter alone is
    followed (its chips link each choice), and each of its entries with it; their
    combinations only show the same entries again, and there are dozens of them
    per language."""
    parts = urlsplit(target)
    if not GALLERY_LIST.match(parts.path):
        return False
    return len({key for key, _ in parse_qsl(parts.query)} - {"after"}) > 1


def crawl(client) -> tuple[set[str], set[str]]:
    """Breadth-first over same-site pages; returns (pages seen, media links)."""
    # Each language's home, plus the gallery's widget and feed (linked from
    # other sites, not from ours).
    queue = deque(
        f"/{code}/{page}"
        for code in LANGUAGES
        for page in ("", "gallery/embed/", "gallery/feed/")
    )
    seen, media = set(queue), set()
    pages = set()
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        response = client.get(path)
        pages.add(path)
        if response.status_code != HTTPStatus.OK or response.streaming:
            continue
        if "html" not in response.get("Content-Type", "") and "xml" not in response.get(
            "Content-Type", ""
        ):
            continue
        text = response.content.decode()
        media.update(MEDIA.findall(text))
        parser = Links()
        parser.feed(text)
        for url in parser.urls:
            target = site_path(url, "http://testserver" + path)
            if target is None:
                continue
            if MEDIA.search(target):
                media.add(MEDIA.search(target).group(0))
                continue
            if target.startswith("/static/") or NOT_FOLLOWED.search(target):
                continue
            if _gallery_filters_combined(target):
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return pages, media


def private_urls(entry) -> list[str]:
    video = entry.video
    urls = [
        f"/v/{video.pk}/video.mp4",
        f"/v/{video.pk}/poster.webp",
        f"/v/{video.pk}/original",
        f"/v/{video.pk}/hls/master.m3u8",
        f"/en/challenge/entries/{entry.pk}/poster/",
        f"/en/gallery/{entry.pk}/",
        f"/en/cards/entry/{entry.pk}/0123456789abcdef.jpg",
    ]
    urls += [
        f"/media/{field.name}" for field in (video.source, video.output, video.poster)
    ]
    return urls


@pytest.fixture
def entries_in_every_state(db, tmp_path):
    load_campaign()
    participant = make_participant(handle="crawl_kind")
    entries = {
        state: make_entry(
            state=state,
            participant=participant,
            caption=f"Entry in state {state} #kindness",
            with_files=True,
            tmp_dir=tmp_path,
        )
        for state in S.values
    }
    entries["approved-2"] = make_entry(
        state=S.APPROVED, with_files=True, tmp_dir=tmp_path
    )
    return entries


def test_no_file_of_a_non_approved_entry_is_reachable(entries_in_every_state):
    client = Client()
    pages, media = crawl(client)
    assert len(pages) > 30, sorted(pages)  # the crawl really went round the site
    assert len(pages) < MAX_PAGES, "the crawl hit its bound: raise it or narrow it"

    approved = [e for key, e in entries_in_every_state.items() if e.state == S.APPROVED]
    hidden = [e for e in entries_in_every_state.values() if e.state != S.APPROVED]
    assert {e.state for e in hidden} == set(S.values) - {S.APPROVED}

    # Every linked media file answers, and none belongs to a non-approved entry.
    for url in sorted(media):
        for entry in hidden:
            assert str(entry.video.pk) not in url, (entry.state, url)
            assert f"/entries/{entry.pk}/" not in url, (entry.state, url)
            assert f"/cards/entry/{entry.pk}/" not in url, (entry.state, url)
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url

    # The approved entries' video and poster are linked and served.
    for entry in approved:
        for name in ("video.mp4", "poster.webp", "hls/master.m3u8"):
            url = f"/v/{entry.video.pk}/{name}"
            assert url in media, url
            response = client.get(url)
            assert response.status_code == HTTPStatus.OK, url
            assert (
                response.getvalue()
                if not response.streaming
                else b"".join(response.streaming_content)
            )

    # Nothing of the others answers 200 at any of its addresses.
    for entry in hidden:
        for url in private_urls(entry):
            response = client.get(url)
            if "/challenge/entries/" in url:
                # the participant's own poster view: an anonymous visitor logs in
                assert response.status_code == HTTPStatus.FOUND, (entry.state, url)
                assert response["Location"].startswith("/en/accounts/login/")
            else:
                assert response.status_code == HTTPStatus.NOT_FOUND, (entry.state, url)
