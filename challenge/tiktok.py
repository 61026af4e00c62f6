"""TikTok's public oEmbed endpoint, read safely: what a TikTok post link names.

No models and no storage here: a link goes in, a checked `TikTokPost` (or a clear
`TikTokError`) comes out, and a thumbnail comes back re-encoded. The network goes
through `core.safe_fetch` with policies built from settings (TIKTOK_*), so only the
oEmbed endpoint, TikTok's link hosts (for short links) and its thumbnail hosts are
ever reached, over HTTPS, within the time and size limits.

TikTok's oEmbed answer (developers.tiktok.com, "Embed Videos"): `version`, `type`
("video"), `title` (the post's description, hashtags included), `author_url`
(https://www.tiktok.com/@handle), `author_name` (the display name), `html` (the
legacy embed script's markup: never used here), `thumbnail_url`, `thumbnail_width`,
`thumbnail_height`, `provider_name`, `provider_url`, `embed_product_id` (the post's
id) and `embed_type` ("video"). The video plays through the Embed Player,
https://www.tiktok.com/player/v1/<post id> (`player_url`).

Every field is checked before anything is kept: an answer with markup in its text,
for another post, of another kind (a photo carousel), or out of bounds is refused
as a whole.
"""

from __future__ import annotations

import io
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from core import safe_fetch
from core.text import clean_text

from .errors import ChallengeError

logger = logging.getLogger(__name__)

PLAYER_ORIGIN = "https://www.tiktok.com"
CANONICAL_HOST = "www.tiktok.com"
HASHTAG = "CreateKindness"

POST_ID = re.compile(r"^[0-9]{8,25}$")
# TikTok usernames: letters, digits, underscores and dots, at most 24.
HANDLE = re.compile(r"^[A-Za-z0-9_.]{1,24}$")
SHORT_HOSTS = {"vm.tiktok.com", "vt.tiktok.com"}
# Anything that could start an HTML tag, comment or processing instruction. "I <3
# you" stays possible; "<b>", "</x", "<!--", "<?x" do not.
MARKUP = re.compile(r"<\s*[A-Za-z!/?]")

TITLE_MAX = 4000  # TikTok's own limit on a description is about 4,000 characters.
AUTHOR_NAME_MAX = 100
THUMBNAIL_MAX_SIDE = 4096  # checked before decoding: no decompression bomb
THUMBNAIL_OUT_SIDE = 720
THUMBNAIL_FORMATS = {"JPEG", "PNG", "WEBP"}


class TikTokError(ChallengeError):
    """Something about a TikTok link or TikTok's answer; `message` is for people,
    `detail` (not shown) for the log."""

    code = "tiktok"
    status = HTTPStatus.BAD_REQUEST

    def __init__(self, detail: str = ""):
        self.detail = detail
        super().__init__()


class TikTokLinkInvalid(TikTokError):
    code = "tiktok_link"
    message = _(
        "This does not look like the link of a TikTok video. In TikTok, press Share, "
        "then Copy link, and paste it here."
    )


class TikTokPhotoPost(TikTokError):
    code = "tiktok_photo"
    message = _(
        "This TikTok post is a photo post. The challenge takes videos: please share "
        "the link of a video."
    )


class TikTokPostNotFound(TikTokError):
    code = "tiktok_not_found"
    message = _(
        "We could not find this TikTok video. Check the link, and that the video is "
        "still on TikTok."
    )


class TikTokPostPrivate(TikTokError):
    code = "tiktok_private"
    message = _(
        "This TikTok video is not public, so we cannot show it. Make it public on "
        "TikTok and try again."
    )


class TikTokUnavailable(TikTokError):
    code = "tiktok_unavailable"
    status = HTTPStatus.SERVICE_UNAVAILABLE
    message = _("We cannot reach TikTok right now. Please try again in a little while.")


class TikTokBadAnswer(TikTokError):
    code = "tiktok_bad_answer"
    status = HTTPStatus.BAD_GATEWAY
    message = _(
        "TikTok gave us an answer about this video that we cannot use. Please try "
        "again later, or share another video."
    )


class TikTokThumbnailError(TikTokError):
    code = "tiktok_thumbnail"
    status = HTTPStatus.BAD_GATEWAY
    message = _(
        "We could not get a picture of this TikTok video. Please try again later."
    )


@dataclass(frozen=True)
class PostLink:
    """A link to one TikTok video: its id and the handle the link names."""

    post_id: str
    handle: str

    @property
    def url(self) -> str:
        return f"https://{CANONICAL_HOST}/@{self.handle}/video/{self.post_id}"


@dataclass(frozen=True)
class TikTokPost:
    """What TikTok's oEmbed says about one public video, checked."""

    post_id: str
    url: str
    handle: str  # from author_url: the account that posted it
    author_name: str  # the account's display name, plain text
    title: str  # the description, plain text (hashtags included)
    thumbnail_url: str

    @property
    def player_url(self) -> str:
        return player_url(self.post_id)


def player_url(post_id: str) -> str:
    """The Embed Player for one post (developers.tiktok.com, "Embed Player")."""
    if not POST_ID.match(post_id or ""):
        raise ValueError(f"not a TikTok post id: {post_id!r}")
    return f"{PLAYER_ORIGIN}/player/v1/{post_id}"


def _policy(hosts, max_bytes, *, redirect_hosts=None, accept="*/*"):
    return safe_fetch.FetchPolicy(
        allowed_hosts=tuple(hosts),
        redirect_hosts=tuple(redirect_hosts) if redirect_hosts else None,
        max_bytes=max_bytes,
        connect_timeout=settings.TIKTOK_CONNECT_TIMEOUT,
        total_timeout=settings.TIKTOK_TOTAL_TIMEOUT,
        local_test_servers=tuple(settings.TIKTOK_LOCAL_TEST_SERVERS),
        accept=accept,
    )


def _oembed_policy():
    host = urlsplit(settings.TIKTOK_OEMBED_URL).hostname or ""
    # The endpoint's own host only; a redirect may not leave it.
    return _policy([host], settings.TIKTOK_OEMBED_MAX_BYTES, accept="application/json")


def _link_policy():
    # A short link's answer is a redirect, never read: a small body is plenty.
    return _policy(settings.TIKTOK_LINK_HOSTS, 64 * 1024, accept="text/html")


def _thumbnail_policy():
    return _policy(
        settings.TIKTOK_THUMBNAIL_HOSTS,
        settings.TIKTOK_THUMBNAIL_MAX_BYTES,
        accept="image/jpeg,image/png,image/webp",
    )


def _parse(link: str) -> tuple[str, PostLink | None, str]:
    """("post", PostLink, "") for a video link, ("short", None, url) for a short
    link still to follow; TikTokLinkInvalid or TikTokPhotoPost otherwise."""
    link = (link or "").strip()
    if len(link) > 500:
        raise TikTokLinkInvalid("link too long")
    if "://" not in link:
        link = f"https://{link}"
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError as error:
        raise TikTokLinkInvalid(str(error)) from error
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in {"http", "https"} or not safe_fetch.host_matches(
        host, settings.TIKTOK_LINK_HOSTS
    ):
        raise TikTokLinkInvalid(f"host {host!r}")
    if parts.username is not None or parts.password is not None:
        raise TikTokLinkInvalid("credentials in the link")
    segments = [s for s in parts.path.split("/") if s]
    if (
        len(segments) == 3
        and segments[0].startswith("@")
        and segments[1] in {"video", "photo"}
    ):
        handle, kind, post_id = segments[0][1:], segments[1], segments[2]
        if not HANDLE.match(handle) or not POST_ID.match(post_id):
            raise TikTokLinkInvalid(f"path {parts.path!r}")
        if kind == "photo":
            raise TikTokPhotoPost(post_id)
        return "post", PostLink(post_id=post_id, handle=handle), ""
    is_short = (host in SHORT_HOSTS and len(segments) == 1) or (
        len(segments) == 2 and segments[0] == "t"
    )
    if is_short and re.fullmatch(r"[A-Za-z0-9_-]{4,32}", segments[-1]):
        return "short", None, link
    raise TikTokLinkInvalid(f"path {parts.path!r}")


def post_link_parse(link: str) -> PostLink:
    """The video a full link names, without any request (short links refused)."""
    kind, post, _url = _parse(link)
    if kind != "post":
        raise TikTokLinkInvalid("a short link")
    return post


def post_link_resolve(link: str) -> PostLink:
    """The video a link names; a short link (vm.tiktok.com/…, tiktok.com/t/…) is
    followed one redirect at a time, each within TIKTOK_LINK_HOSTS, and the video
    page it ends on is never fetched (its path names the video)."""
    kind, post, url = _parse(link)
    if kind == "post":
        return post
    policy = _link_policy()
    for _hop in range(4):
        if urlsplit(url).scheme == "http" and not _is_test_server(url):
            url = "https" + url[4:]
        try:
            response = safe_fetch.fetch(url, policy=policy, follow_redirects=False)
        except safe_fetch.FetchRefused as error:
            raise TikTokLinkInvalid(str(error)) from error
        except safe_fetch.FetchError as error:
            raise TikTokUnavailable(str(error)) from error
        location = safe_fetch.next_location(response)
        if not location:
            if response.status in {HTTPStatus.NOT_FOUND, HTTPStatus.GONE}:
                raise TikTokPostNotFound(f"short link answered {response.status}")
            raise TikTokLinkInvalid(f"short link answered {response.status}")
        kind, post, url = _parse(location)  # refuses a host outside TikTok's
        if kind == "post":
            return post
    raise TikTokLinkInvalid("too many redirects")


def _is_test_server(url: str) -> bool:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" in settings.TIKTOK_LOCAL_TEST_SERVERS


def _plain(value, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise TikTokBadAnswer(f"{name} is not text")
    if len(value) > limit:
        raise TikTokBadAnswer(f"{name} is {len(value)} characters")
    if MARKUP.search(unicodedata.normalize("NFKC", value)):
        raise TikTokBadAnswer(f"markup in {name}")
    return clean_text(value, multiline=True)


def _author_handle(author_url) -> str:
    if not isinstance(author_url, str):
        raise TikTokBadAnswer("author_url is not text")
    parts = urlsplit(author_url)
    segments = [s for s in parts.path.split("/") if s]
    if (
        parts.scheme != "https"
        or (parts.hostname or "").lower() not in {CANONICAL_HOST, "tiktok.com"}
        or len(segments) != 1
        or not segments[0].startswith("@")
        or not HANDLE.match(segments[0][1:])
    ):
        raise TikTokBadAnswer(f"author_url {author_url[:200]!r}")
    return segments[0][1:]


def _error_for(status: int, body: bytes) -> TikTokError:
    text = body[:2000].decode("utf-8", "replace").lower()
    if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN} or "private" in text:
        return TikTokPostPrivate(f"oEmbed answered {status}")
    if status in {HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND, HTTPStatus.GONE}:
        return TikTokPostNotFound(f"oEmbed answered {status}")
    if status == HTTPStatus.TOO_MANY_REQUESTS or status >= 500:
        return TikTokUnavailable(f"oEmbed answered {status}")
    return TikTokBadAnswer(f"oEmbed answered {status}")


def oembed_fetch(post: PostLink) -> TikTokPost:
    """TikTok's oEmbed answer for one video, every field checked."""
    query = urlencode({"url": post.url})
    url = f"{settings.TIKTOK_OEMBED_URL}?{query}"
    try:
        response = safe_fetch.fetch(url, policy=_oembed_policy())
    except safe_fetch.FetchRefused as error:
        # The endpoint redirected elsewhere or resolves to a private address.
        logger.warning("tiktok oembed refused: %s", error)
        raise TikTokBadAnswer(str(error)) from error
    except safe_fetch.FetchTooLarge as error:
        raise TikTokBadAnswer(str(error)) from error
    except safe_fetch.FetchError as error:
        logger.info("tiktok oembed unavailable: %s", error)
        raise TikTokUnavailable(str(error)) from error
    if response.status != HTTPStatus.OK:
        raise _error_for(response.status, response.body)
    try:
        data = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise TikTokBadAnswer("not JSON") from error
    if not isinstance(data, dict):
        raise TikTokBadAnswer("not a JSON object")
    return _post_from(post, data)


def _post_from(post: PostLink, data: dict) -> TikTokPost:
    embed_type = data.get("embed_type", "video")
    if embed_type == "photo" or data.get("type") == "photo":
        raise TikTokPhotoPost(post.post_id)
    if data.get("type") != "video" or embed_type != "video":
        raise TikTokBadAnswer(f"type {data.get('type')!r}/{embed_type!r}")
    if str(data.get("embed_product_id", "")) != post.post_id:
        raise TikTokBadAnswer("embed_product_id is another post")
    title = _plain(data.get("title", ""), "title", TITLE_MAX)
    author_name = _plain(data.get("author_name", ""), "author_name", AUTHOR_NAME_MAX)
    handle = _author_handle(data.get("author_url"))
    thumbnail_url = data.get("thumbnail_url")
    if not isinstance(thumbnail_url, str) or not thumbnail_url:
        raise TikTokThumbnailError("no thumbnail_url")
    try:
        safe_fetch.check_url(thumbnail_url, _thumbnail_policy())
    except safe_fetch.FetchRefused as error:
        raise TikTokThumbnailError(str(error)) from error
    return TikTokPost(
        post_id=post.post_id,
        url=PostLink(post_id=post.post_id, handle=handle).url,
        handle=handle,
        author_name=author_name,
        title=title,
        thumbnail_url=thumbnail_url,
    )


def post_fetch(link: str) -> TikTokPost:
    """A participant's or a moderator's link, resolved and read through oEmbed."""
    return oembed_fetch(post_link_resolve(link))


@dataclass(frozen=True)
class Thumbnail:
    data: bytes  # WebP, as every poster the checked media view serves
    width: int
    height: int


def thumbnail_fetch(url: str) -> Thumbnail:
    """The post's thumbnail as a fresh WebP: fetched from TikTok's thumbnail hosts
    only, decoded only if its declared size is sane, redrawn without any metadata
    (no EXIF, no ICC profile, no XMP), at most THUMBNAIL_OUT_SIDE wide."""
    try:
        response = safe_fetch.fetch(url, policy=_thumbnail_policy())
    except safe_fetch.FetchError as error:
        raise TikTokThumbnailError(str(error)) from error
    if response.status != HTTPStatus.OK:
        raise TikTokThumbnailError(f"thumbnail answered {response.status}")
    if not response.content_type.startswith("image/"):
        raise TikTokThumbnailError(f"thumbnail is {response.content_type!r}")
    try:
        with Image.open(io.BytesIO(response.body)) as image:
            if image.format not in THUMBNAIL_FORMATS:
                raise TikTokThumbnailError(f"thumbnail format {image.format}")
            width, height = image.size
            if not (
                0 < width <= THUMBNAIL_MAX_SIDE and 0 < height <= THUMBNAIL_MAX_SIDE
            ):
                raise TikTokThumbnailError(f"thumbnail is {width}x{height}")
            image.seek(0)
            picture = image.convert("RGB")
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
    ) as error:
        raise TikTokThumbnailError(f"thumbnail does not decode: {error}") from error
    picture.thumbnail((THUMBNAIL_OUT_SIDE, THUMBNAIL_OUT_SIDE * 2))
    clean = Image.new("RGB", picture.size)
    clean.paste(picture)
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=82)
    return Thumbnail(data=out.getvalue(), width=clean.width, height=clean.height)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def title_has_hashtag(title: str, tag: str = HASHTAG) -> bool:
    """#CreateKindness as a whole hashtag (not #CreateKindnessFake), any case."""
    pattern = rf"#{re.escape(_folded(tag))}(?![\w])"
    return re.search(pattern, _folded(title)) is not None


def title_has_code(title: str, code: str) -> bool:
    """The one-time ownership code as a whole word of the description, any case."""
    if not code:
        return False
    pattern = rf"(?<![\w]){re.escape(_folded(code))}(?![\w])"
    return re.search(pattern, _folded(title)) is not None
