"""Share cards: the 1200×630 picture a chat or a social network shows for a link.

Each public page describes its card (`Card`: a title in the page's language, the
campaign's hashtag, posters, a demo badge) through the provider its app names in
`settings.SHARE_CARDS`; this module draws it with Pillow in the site's colours and
typeface, keeps it in private storage and serves it.

- A card's URL holds its language and a version: a hash of everything drawn on it
  (texts, the posters' files and when they changed, this renderer's own version).
  Anything drawn that changes (a title, a poster, a caption, a new translation)
  gives a new URL; the old one redirects to it. The picture behind a URL never
  changes, so it is cached for a long time, except where the content can be taken
  down (an entry: `Card.max_age`).
- Every request asks the provider again: a page that is no longer public (an entry
  hidden, withdrawn or erased; an episode unpublished) has no card, and its URL is
  a 404 whatever is stored.
- Stored under `cards/<kind>/<key>/<language>-<version>.jpg` in the private storage
  (the files of a taken-down entry are never reachable by a URL of their own);
  older versions of the same language go when a new one is stored, and
  `cards_forget` removes every card of an object whose content is erased.
"""

import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from .drawing import heart_points

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
CONTENT_TYPE = "image/jpeg"
# Bump when the drawing changes: every card gets a new URL and is drawn again.
RENDERER_VERSION = 2
STORAGE = "private"
ONE_YEAR = 365 * 24 * 3600

# The campaign's colours: tokens of static/css/site.css (keep them in step).
BRAND = (194, 37, 92)  # --colour-brand
BRAND_STRONG = (143, 23, 67)  # --colour-brand-strong
NIGHT = (34, 31, 47)  # --colour-night
ON_DARK = (255, 255, 255)  # --colour-on-dark
BRAND_SOFT = (253, 228, 238)  # --colour-brand-soft
SUN_SOFT = (255, 244, 230)  # --colour-sun-soft
WARN = (138, 83, 0)  # --colour-warn
WARN_SOFT = (255, 241, 214)  # --colour-warn-soft
POSTER = (43, 40, 56)  # --colour-poster

# The site's typeface (static/fonts/README.md): its `latin` file first, `latin-ext`
# for the letters it lacks (ő, ł, ș…), then DejaVu where the system has it (Greek,
# Cyrillic in a caption). A character none of them has is left out, never drawn as
# a box.
FONT_FILE = (
    "fonts/atkinson-hyperlegible-next/atkinson-hyperlegible-next-{}-{}-normal.woff2"
)
FALLBACK_FONTS = {
    400: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    700: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    800: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
}
MISSING = "\ue000"  # a private-use character: every font draws its "missing" glyph


@dataclass(frozen=True)
class Poster:
    """A picture from a storage; `stamp` changes whenever the file does. Only the
    top `keep_top` of its height is ever drawn (what is below never reaches the
    card: see stories/cards.py)."""

    storage: str
    name: str
    stamp: str
    keep_top: float = 1.0


@dataclass(frozen=True)
class Card:
    """What one page's card shows, in one language (the active one by default).

    `alt` is the picture's description for the page's og:image:alt; `max_age` how
    long browsers and shared caches may keep it."""

    kind: str
    key: str
    title: str
    kicker: str = ""
    text: str = ""
    hashtag: str = "#CreateKindness"
    badge: str = ""
    posters: tuple[Poster, ...] = ()
    alt: str = ""
    max_age: int = ONE_YEAR
    language: str = field(default_factory=translation.get_language)

    @cached_property
    def version(self) -> str:
        drawn = [
            RENDERER_VERSION,
            self.language,
            self.kind,
            self.key,
            self.title,
            self.kicker,
            self.text,
            self.hashtag,
            self.badge,
            [(p.storage, p.name, p.stamp, p.keep_top) for p in self.posters],
        ]
        raw = json.dumps(drawn, ensure_ascii=False).encode()
        return hashlib.sha256(raw).hexdigest()[:16]

    @cached_property
    def path(self) -> str:
        """Its URL's path, in its language."""
        with translation.override(self.language):
            return reverse(
                "share_card",
                kwargs={"kind": self.kind, "key": self.key, "version": self.version},
            )

    @property
    def url(self) -> str:
        """Absolute: previews are fetched by other sites' servers."""
        return settings.SITE_URL + self.path

    @property
    def storage_name(self) -> str:
        return f"{_folder(self.kind, self.key)}{self.language}-{self.version}.jpg"

    width = WIDTH
    height = HEIGHT
    content_type = CONTENT_TYPE


def _folder(kind: str, key: str) -> str:
    return f"cards/{kind}/{key}/"


def card_for(kind: str, key: str) -> Card | None:
    """The card of `kind`'s `key` in the active language, from the provider named
    in settings.SHARE_CARDS; None when there is none (not public, unknown)."""
    path = settings.SHARE_CARDS.get(kind)
    if path is None:
        return None
    return import_string(path)(key)


# --- Serving --------------------------------------------------------------------


@require_safe
def card_view(request, kind: str, key: str, version: str):
    card = card_for(kind, key)
    if card is None:
        raise Http404
    if version != card.version:
        # A page (or a chat's preview) older than the last change: the card as it is
        # now. Not kept: the next change moves it again.
        response = HttpResponseRedirect(card.path)
        response["Cache-Control"] = "public, max-age=60"
        return response
    response = HttpResponse(card_image(card), content_type=CONTENT_TYPE)
    cache_control = f"public, max-age={card.max_age}"
    if card.max_age >= ONE_YEAR:
        cache_control += ", immutable"
    response["Cache-Control"] = cache_control
    response["Content-Language"] = card.language
    response["ETag"] = f'"{card.version}"'
    return response


def card_image(card: Card) -> bytes:
    """The card's JPEG: stored, else drawn, stored, and its older versions in the
    same language deleted."""
    storage = storages[STORAGE]
    name = card.storage_name
    try:
        if storage.exists(name):
            with storage.open(name, "rb") as handle:
                data = handle.read()
            # A file another process is still writing is drawn again here.
            if data.endswith(b"\xff\xd9"):
                return data
    except OSError as error:
        logger.warning("share card %s unreadable: %s", name, error)
    data = card_render(card)
    try:
        stored = storage.save(name, ContentFile(data))
        if stored != name:  # drawn twice at once: the first one stays
            storage.delete(stored)
        _prune(storage, card)
    except OSError as error:  # a full disk or storage away: served, not kept
        logger.warning("share card %s not stored: %s", name, error)
    return data


def _prune(storage, card: Card) -> None:
    folder = _folder(card.kind, card.key)
    keep = card.storage_name.rsplit("/", 1)[1]
    _folders, files = storage.listdir(folder)
    for filename in files:
        if filename.startswith(f"{card.language}-") and filename != keep:
            storage.delete(folder + filename)


def cards_forget(*, kind: str, key: str) -> None:
    """Delete every stored card of one object, in every language (its content was
    erased). Storage I/O: call it after commit."""
    storage = storages[STORAGE]
    folder = _folder(kind, str(key))
    try:
        _folders, files = storage.listdir(folder)
        for filename in files:
            storage.delete(folder + filename)
    except FileNotFoundError:
        return
    except OSError as error:
        logger.warning("share cards of %s %s not deleted: %s", kind, key, error)


# --- Drawing --------------------------------------------------------------------


@lru_cache(maxsize=32)
def _font_files(weight: int) -> tuple[str, ...]:
    files = [
        finders.find(FONT_FILE.format(subset, weight))
        for subset in ("latin", "latin-ext")
    ]
    fallback = FALLBACK_FONTS.get(weight)
    if fallback:
        files.append(fallback)
    return tuple(path for path in files if path and _readable_font(path))


def _readable_font(path: str) -> bool:
    try:
        ImageFont.truetype(path, 12)
    except OSError:
        return False
    return True


@lru_cache(maxsize=128)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=8192)
def _has_glyph(path: str, character: str) -> bool:
    if character.isspace():
        return True
    font = _font(path, 40)
    missing = font.getmask(MISSING)
    mask = font.getmask(character)
    return not (mask.size == missing.size and bytes(mask) == bytes(missing))


def _runs(text: str, weight: int) -> list[tuple[str, str]]:
    """`text` cut into (piece, font file) runs, each drawn by the first font that
    has its characters; characters none has are dropped."""
    files = _font_files(weight)
    runs: list[tuple[str, str]] = []
    for character in text:
        path = next((f for f in files if _has_glyph(f, character)), None)
        if path is None:
            continue
        if runs and runs[-1][1] == path:
            runs[-1] = (runs[-1][0] + character, path)
        else:
            runs.append((character, path))
    return runs


def _length(text: str, weight: int, size: int) -> float:
    return sum(
        _font(path, size).getlength(piece) for piece, path in _runs(text, weight)
    )


def _draw(draw, xy, text: str, weight: int, size: int, fill) -> None:
    """`text` from its left baseline at `xy`, run by run."""
    x, y = xy
    for piece, path in _runs(text, weight):
        font = _font(path, size)
        draw.text((x, y), piece, font=font, fill=fill, anchor="ls")
        x += font.getlength(piece)


def _wrap(text: str, weight: int, size: int, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if not current or _length(trial, weight, size) <= width:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _fit(text, weight, width, *, sizes, max_lines) -> tuple[int, list[str]]:
    """The largest of `sizes` at which `text` takes at most `max_lines` lines; at
    the smallest, the last line ends with an ellipsis."""
    for size in sizes:
        lines = _wrap(text, weight, size, width)
        if len(lines) <= max_lines and all(
            _length(line, weight, size) <= width for line in lines
        ):
            return size, lines
    size = sizes[-1]
    lines = _wrap(text, weight, size, width)[:max_lines]
    last = lines[-1] if lines else ""
    while last and _length(last + "…", weight, size) > width:
        last = last[:-1].rstrip()
    if lines:
        lines[-1] = last.rstrip(" .,;:") + "…"
    return size, lines


def _background() -> Image.Image:
    """The brand's pink, darker towards the bottom right, with two soft glows."""
    small = Image.new("RGB", (120, 63))
    pixels = small.load()
    for y in range(63):
        for x in range(120):
            mix = min(1.0, (x / 120) * 0.55 + (y / 63) * 0.45)
            pixels[x, y] = tuple(
                int(a + (b - a) * mix) for a, b in zip(BRAND, BRAND_STRONG, strict=True)
            )
    image = small.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    glow = Image.new("L", (WIDTH, HEIGHT), 0)
    glow_draw = ImageDraw.Draw(glow)
    glow_draw.ellipse((-260, -320, 520, 360), fill=70)
    glow_draw.ellipse((820, 380, 1400, 900), fill=45)
    glow = glow.filter(ImageFilter.GaussianBlur(90))
    return Image.composite(Image.new("RGB", (WIDTH, HEIGHT), SUN_SOFT), image, glow)


def _poster_image(poster: Poster) -> Image.Image | None:
    try:
        with storages[poster.storage].open(poster.name, "rb") as handle:
            image = Image.open(handle)
            image.load()
    except (OSError, ValueError) as error:
        logger.warning("share card: poster %s unreadable: %s", poster.name, error)
        return None
    image = image.convert("RGB")
    if poster.keep_top < 1:
        image = image.crop((0, 0, image.width, round(image.height * poster.keep_top)))
    return image


def _framed(image: Image.Image, size: tuple[int, int], angle: float) -> Image.Image:
    """The poster cropped to `size`, rounded, framed in white, turned by `angle`."""
    border = 8
    picture = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    framed = Image.new(
        "RGBA", (size[0] + 2 * border, size[1] + 2 * border), (0, 0, 0, 0)
    )
    mask = Image.new("L", framed.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, *framed.size), radius=30, fill=255)
    framed.paste(Image.new("RGBA", framed.size, ON_DARK + (255,)), (0, 0), mask)
    inner = Image.new("L", size, 0)
    ImageDraw.Draw(inner).rounded_rectangle((0, 0, *size), radius=22, fill=255)
    framed.paste(picture, (border, border), inner)
    return framed.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)


def _paste_with_shadow(canvas: Image.Image, item: Image.Image, centre) -> None:
    x = int(centre[0] - item.width / 2)
    y = int(centre[1] - item.height / 2)
    shadow = Image.new("RGBA", item.size, NIGHT + (0,))
    shadow.putalpha(item.getchannel("A").point(lambda a: a * 0.45))
    shadow = shadow.filter(ImageFilter.GaussianBlur(14))
    canvas.alpha_composite(shadow, (x + 6, y + 14))
    canvas.alpha_composite(item, (x, y))


def _draw_art(canvas: Image.Image, posters: list[Image.Image]) -> None:
    """Posters on the right: one large, or three fanned; a heart without any.
    Frames are as wide as a 9:16 poster's would be, and as tall as what is kept of
    it (a poster cut at its top keeps its width)."""
    if not posters:
        layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        ImageDraw.Draw(layer).polygon(
            heart_points(965, 320, 190), fill=ON_DARK + (235,)
        )
        canvas.alpha_composite(layer)
        return

    def size(image: Image.Image, width: int) -> tuple[int, int]:
        ratio = min(16 / 9, image.height / max(1, image.width))
        return width, min(round(width * 16 / 9), round(width * ratio))

    if len(posters) == 1:
        _paste_with_shadow(
            canvas, _framed(posters[0], size(posters[0], 300), -3), (965, 318)
        )
        return
    placed = list(
        zip(posters[:3], ((872, 336, 7), (1068, 336, -7), (970, 312, 0)), strict=False)
    )
    # The middle one last, in front.
    for image, (x, y, angle) in sorted(placed, key=lambda item: item[1][2] == 0):
        framed = _framed(image, size(image, 270 if angle == 0 else 220), angle)
        _paste_with_shadow(canvas, framed, (x, y))


def card_render(card: Card) -> bytes:
    """Draw `card` as a 1200×630 JPEG."""
    canvas = _background().convert("RGBA")
    posters = [p for p in (_poster_image(poster) for poster in card.posters) if p]
    _draw_art(canvas, posters)
    draw = ImageDraw.Draw(canvas)
    left, text_width = 72, 640

    # The brand: a heart and the site's name, as in the header.
    draw.polygon(heart_points(left + 19, 78, 20), fill=ON_DARK)
    with translation.override(card.language):
        site_name = translation.gettext("Kindness Hub")
    _draw(draw, (left + 52, 90), site_name, 800, 32, ON_DARK)
    if card.badge:
        badge = card.badge.upper()
        size = 24
        badge_width = _length(badge, 800, size) + 36
        x0 = left + 52 + _length(site_name, 800, 32) + 24
        draw.rounded_rectangle(
            (x0, 58, x0 + badge_width, 98), radius=20, fill=WARN_SOFT
        )
        _draw(draw, (x0 + 18, 87), badge, 800, size, WARN)

    y = 170
    if card.kicker:
        size, lines = _fit(card.kicker, 700, text_width, sizes=(32, 28), max_lines=1)
        _draw(draw, (left, y + size), lines[0], 700, size, BRAND_SOFT)
        y += size + 26
    # Two lines of title leave room for two of text (an entry's caption).
    size, lines = _fit(
        card.title,
        800,
        text_width,
        sizes=(72, 64, 56, 50, 44),
        max_lines=2 if card.text else 3,
    )
    for line in lines:
        y += int(size * 1.08)
        _draw(draw, (left, y), line, 800, size, ON_DARK)
    y += 22
    if card.text:
        room = 520 - y
        text_size, text_lines = _fit(
            card.text,
            400,
            text_width,
            sizes=(32, 28),
            max_lines=max(1, min(3, room // 40)),
        )
        for line in text_lines:
            y += int(text_size * 1.3)
            if y > 530:
                break
            _draw(draw, (left, y), line, 400, text_size, SUN_SOFT)

    # The hashtag, in a pill at the bottom.
    tag_size = 34
    tag_width = _length(card.hashtag, 800, tag_size)
    draw.rounded_rectangle(
        (left - 4, 536, left + tag_width + 36, 592), radius=28, fill=ON_DARK
    )
    _draw(draw, (left + 16, 576), card.hashtag, 800, tag_size, BRAND_STRONG)

    buffer = io.BytesIO()
    canvas.convert("RGB").save(
        buffer, "JPEG", quality=86, optimize=True, progressive=True
    )
    return buffer.getvalue()
