"""Reads for the public gallery: the one place that knows which entries are public.

Public means state APPROVED (not hidden, withdrawn, rejected or pending) with a
ready video. Pages are keyset-paginated (an opaque signed cursor on
(approved_at, id) or (heart_count, id)), so page 1,000 costs what page 1 does, and
each page's entry list is cached under a "generation" that the moderation and heart
services bump whenever what the gallery shows may have changed.
"""

import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from videos.models import Video

from .. import tiktok
from ..models import CuratedTikTok, Entry, Prompt

logger = logging.getLogger(__name__)

GENERATION_KEY = "gallery:generation"
# Bumped only when something may have left the public pages (an entry hidden,
# withdrawn, erased; a note removed): the version of the pages' outage copies
# (core.outage), which may lag behind approvals and hearts but never show what was
# taken down.
REMOVALS_KEY = "gallery:removals"
# When an entry (or a note under it) was taken down: a kept copy of a page that links
# to it and is older than that is never served (gallery_copy_fresh).
REMOVED_KEY = "gallery:removed:{}"
# The time of the last of them: a page's copy is kept again at its next view after
# it (core.outage's refresh marker), not up to OUTAGE_COPY_REFRESH_SECONDS later.
LAST_REMOVED_KEY = "gallery:removed:last"
ENTRY_LINK = re.compile(rb"/gallery/(\d+)/")
CURSOR_SALT = "challenge.gallery.cursor"
SORTS = ("new", "hearts")
HASHTAG_RE = re.compile(r"#(\w{2,50})", re.UNICODE)


# --- The cache generation ---------------------------------------------------------


def gallery_generation() -> int:
    """The current generation. Starts from the clock, so a flushed cache never
    brings back an old generation (and old ETags)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, int(time.time() * 1000), timeout=None)
        generation = cache.get(GENERATION_KEY)
    if generation is None:
        # The cache is down: nothing is cached either, any fresh value will do.
        return int(time.time() * 1000)
    return int(generation)


def gallery_generation_with(keys: list[str]) -> tuple[int, dict]:
    """The current generation and whatever the cache holds under `keys`, in one
    cache round trip (a whole cached page then costs one call to Redis, not three).
    Values stored under these keys must carry the generation they were built for.
    `found` also holds the removals generation under REMOVALS_KEY (see
    gallery_removals)."""
    found = cache.get_many([GENERATION_KEY, REMOVALS_KEY, LAST_REMOVED_KEY, *keys])
    generation = found.pop(GENERATION_KEY, None)
    if generation is None:
        generation = gallery_generation()
    return int(generation), found


def gallery_removals(found: dict | None = None) -> int:
    """The removals generation (REMOVALS_KEY), from `found` (a
    gallery_generation_with answer) when it holds it, else from the cache. Starts
    from the clock like the generation; 0 when the cache is down."""
    if found and REMOVALS_KEY in found:
        return int(found[REMOVALS_KEY])
    removals = cache.get(REMOVALS_KEY)
    if removals is None:
        cache.add(REMOVALS_KEY, int(time.time() * 1000), timeout=None)
        removals = cache.get(REMOVALS_KEY)
    return int(removals or 0)


def gallery_changed(entry_ids=None) -> None:
    """Invalidate every cached gallery page: call after commit whenever something
    may have left the public pages (an entry hidden, withdrawn or erased, a note
    removed). `entry_ids`: the entries that changed, whose pages' outage copies
    (and any copy linking to them) are then never served; without them, every
    outage copy goes. For changes that only add (an approval, a heart, a note
    written), gallery_grew."""
    _bump(GENERATION_KEY)
    if entry_ids is None:
        _bump(REMOVALS_KEY)
        return
    now = time.time()
    try:
        cache.set_many(
            {REMOVED_KEY.format(pk): now for pk in entry_ids} | {LAST_REMOVED_KEY: now},
            timeout=settings.OUTAGE_COPY_SECONDS + 3600,
        )
    except Exception:  # noqa: BLE001 - the cache away: no copy survives it either
        logger.warning("gallery: removals of %s not noted", list(entry_ids))


def gallery_changed_on_commit(entry_ids=None) -> None:
    """gallery_changed for `entry_ids` once the caller's transaction commits."""
    ids = None if entry_ids is None else list(entry_ids)
    transaction.on_commit(lambda: gallery_changed(ids))


def gallery_copy_version(request, found: dict | None = None) -> int:
    """The version of a page's outage copy (core.outage.kept_for_outages): the
    removals generation, read with the time of the last removal (set on the request
    as its refresh marker) in one cache call unless `found` holds them already."""
    if found is None:
        found = cache.get_many([REMOVALS_KEY, LAST_REMOVED_KEY])
    request.outage_copy_marker = found.get(LAST_REMOVED_KEY, "")
    return gallery_removals(found)


def gallery_copy_fresh(content: bytes, kept_at: float) -> bool:
    """Whether a kept copy of a page may be served while the database is away: no
    entry it links to was taken down after it was kept (core.outage)."""
    ids = set(ENTRY_LINK.findall(content))
    if not ids:
        return True
    removed = cache.get_many([REMOVED_KEY.format(int(pk)) for pk in ids])
    return all(at < kept_at for at in removed.values())


def gallery_grew() -> None:
    """Invalidate every cached gallery page, but not the outage copies: nothing
    left the public pages (an entry approved or restored, a heart, a note written),
    so a copy made before may be served while the database is away."""
    _bump(GENERATION_KEY)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, int(time.time() * 1000), timeout=None)


# --- Queries -------------------------------------------------------------------------


def public_entries() -> QuerySet[Entry]:
    """Every entry anyone may see. All gallery reads start here."""
    return Entry.objects.filter(
        state=Entry.State.APPROVED, video__status=Video.Status.READY
    )


def _card_queryset(*extra: str) -> QuerySet[Entry]:
    """Only what a card (plus `extra` fields, for a detail page) shows: one query,
    no lazy relations."""
    return (
        public_entries()
        .select_related("video")
        .annotate(
            handle=F("participant__handle"),
            is_demo=F("participant__is_demo"),
            video_width=F("video__width"),
            video_height=F("video__height"),
            video_duration=F("video__duration"),
            # A TikTok post (its poster here, its player at TikTok's), else None.
            tiktok_post_id=F("tiktok__post_id"),
            # Never a minor's: their TikTok account is not tied to their handle
            # here in anything the site prints (docs/decisions.md).
            tiktok_handle=Case(
                When(is_minor=True, then=Value("")),
                default=F("tiktok__handle"),
                output_field=CharField(),
            ),
        )
        .only(
            "id",
            "video_id",
            "caption",
            "prompt",
            "language",
            "heart_count",
            "approved_at",
            "participant_id",
            "video__id",
            "video__poster",
            "video__stream",
            "video__plays_elsewhere",
            # The share card's version (challenge/cards.py): a new poster, a new card.
            "video__updated_at",
            *extra,
        )
    )


def _decorate(entry: Entry) -> Entry:
    # The videos app's checked view serves these (videos.owners.video_is_public).
    entry.poster_url = entry.video.poster_url
    entry.video_url = entry.video.video_url
    entry.stream_url = entry.video.stream_url
    entry.tiktok_player_url = (
        tiktok.player_url(entry.tiktok_post_id) if entry.tiktok_post_id else ""
    )
    entry.tiktok_url = (
        f"{tiktok.PLAYER_ORIGIN}/@{entry.tiktok_handle}/video/{entry.tiktok_post_id}"
        if entry.tiktok_post_id and entry.tiktok_handle
        else ""
    )
    return entry


def _decorate_detail(entry: Entry) -> Entry:
    _decorate(entry)
    entry.stream_warm_urls = entry.video.stream_warm_urls
    return entry


def curated_tiktoks(*, limit: int = 12) -> list[CuratedTikTok]:
    """The TikTok posts staff chose from the series' accounts, shown in a row of
    their own (never entries: not in "public", no hearts or reports)."""
    rows = list(
        CuratedTikTok.objects.filter(is_shown=True)
        .select_related("video")
        .order_by("position", "-added_at")[:limit]
    )
    for row in rows:
        row.poster_url = row.video.poster_url
    return rows


def gallery_entry(*, pk: int) -> Entry | None:
    """One public entry for its page, or None (a 404 whoever asks)."""
    entry = _card_queryset("video__ladder").filter(pk=pk).first()
    return _decorate_detail(entry) if entry else None


# --- Cursor pagination ---------------------------------------------------------------


def cursor_encode(*, sort: str, entry: Entry) -> str:
    key = (
        entry.approved_at.isoformat() if sort == "new" else entry.heart_count,
        entry.pk,
    )
    return signing.dumps({"s": sort, "k": key}, salt=CURSOR_SALT, compress=True)


def cursor_decode(token: str, *, sort: str) -> tuple | None:
    """The (key, id) a page starts after, or None for a missing or bad cursor."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=CURSOR_SALT)
        if data["s"] != sort:
            return None
        value, pk = data["k"]
        if sort == "new":
            value = datetime.fromisoformat(value)
        return int(value) if sort == "hearts" else value, int(pk)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


@dataclass
class GalleryPage:
    entries: list[Entry]
    next_cursor: str | None
    generation: int
    filters: dict = field(default_factory=dict)

    @property
    def is_first(self) -> bool:
        return not self.filters.get("cursor")


def _clean_filters(*, sort, prompt, language, tag) -> dict:
    return {
        "sort": sort if sort in SORTS else "new",
        "prompt": prompt if prompt in Prompt.values else "",
        "language": language if language in dict(settings.LANGUAGES) else "",
        "tag": tag if tag and HASHTAG_RE.fullmatch(f"#{tag}") else "",
    }


def gallery_page(
    *,
    sort: str = "new",
    prompt: str = "",
    language: str = "",
    tag: str = "",
    cursor: str = "",
    size: int | None = None,
) -> GalleryPage:
    """One page of the public gallery, newest first or most hearted.

    Keyset pagination: the next page starts strictly after the last entry shown,
    ordered by (approved_at, id) or (heart_count, id), both descending. An entry
    approved while someone is paging appears at the top, never shifting later
    pages (no duplicates, no skips).
    """
    size = size or settings.GALLERY_PAGE_SIZE
    filters = _clean_filters(sort=sort, prompt=prompt, language=language, tag=tag)
    sort = filters["sort"]
    after = cursor_decode(cursor, sort=sort)
    filters["cursor"] = cursor if after else ""
    generation = gallery_generation()
    digest = hashlib.sha256(repr((filters, size)).encode()).hexdigest()[:32]
    cache_key = f"gallery:page:{generation}:{digest}"
    cached = cache.get(cache_key)
    if cached is None:
        cached = _gallery_page_uncached(filters=filters, after=after, size=size)
        if settings.GALLERY_CACHE_SECONDS:  # 0: caches off, not even pickled
            cache.set(cache_key, cached, timeout=settings.GALLERY_CACHE_SECONDS)
    entries, next_cursor = cached
    return GalleryPage(
        entries=entries,
        next_cursor=next_cursor,
        generation=generation,
        filters=filters,
    )


class _RowBefore(Func):
    """`(key, id) < (value, pk)`: a row comparison, which PostgreSQL (and SQLite)
    answer from the (state, key, id) index as a range, so a deep page reads 25 rows,
    not everything before it (an OR of two conditions would be a filter)."""

    output_field = BooleanField()

    def __init__(self, key_field: str, value, pk: int):
        value_field = DateTimeField() if key_field == "approved_at" else IntegerField()
        super().__init__(
            F(key_field),
            F("id"),
            Value(value, output_field=value_field),
            Value(pk, output_field=IntegerField()),
        )

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        return "(({}, {}) < ({}, {}))".format(*parts), params


def _gallery_page_uncached(*, filters: dict, after: tuple | None, size: int):
    """One SQL query. The inner query walks the (state, key, id) index from the
    cursor and picks the page's ids (an index-only scan, whatever the depth); the
    outer one joins the handle and video facts for just those rows. Run as one
    joined query, PostgreSQL misjudges the cursor's selectivity and may read every
    row before it."""
    sort = filters["sort"]
    key_field = "approved_at" if sort == "new" else "heart_count"
    order = (f"-{key_field}", "-id")
    keys = public_entries()
    if filters["prompt"]:
        keys = keys.filter(prompt=filters["prompt"])
    if filters["language"]:
        keys = keys.filter(language=filters["language"])
    if filters["tag"]:
        # The whole hashtag: #kind must not list #kindness (tags are word characters).
        keys = keys.filter(caption__iregex=rf"#{filters['tag']}(\W|$)")
    if after is not None:
        value, pk = after
        keys = keys.filter(_RowBefore(key_field, value, pk))
    page_ids = keys.order_by(*order).values("pk")[: size + 1]
    rows = list(_card_queryset().filter(pk__in=page_ids).order_by(*order))
    has_more = len(rows) > size
    rows = [_decorate(entry) for entry in rows[:size]]
    next_cursor = cursor_encode(sort=sort, entry=rows[-1]) if has_more else None
    return rows, next_cursor


def gallery_latest(*, limit: int = 12) -> list[Entry]:
    """The newest public entries (home page, embed, feed), cached per generation."""
    return gallery_page(size=limit).entries


def gallery_figures() -> dict:
    """Entries in the gallery and the hearts they received (the home page's
    figures): real participants' only. Entries of demo accounts are counted apart
    (`demo_entries`), so that made-up material never passes for take-up."""
    totals = public_entries().aggregate(
        entries=Count("pk", filter=Q(participant__is_demo=False)),
        hearts=Sum("heart_count", filter=Q(participant__is_demo=False)),
        demo_entries=Count("pk", filter=Q(participant__is_demo=True)),
    )
    return {key: value or 0 for key, value in totals.items()}


def caption_parts(caption: str) -> list[tuple[str, str]]:
    """The caption split into ("text", …) and ("tag", name) parts, so a template
    can link hashtags while escaping everything."""
    parts: list[tuple[str, str]] = []
    position = 0
    for match in HASHTAG_RE.finditer(caption):
        if match.start() > position:
            parts.append(("text", caption[position : match.start()]))
        parts.append(("tag", match.group(1)))
        position = match.end()
    if position < len(caption):
        parts.append(("text", caption[position:]))
    return parts
