"""Reads for the story series: the one place that knows which episodes are public."""

from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone, translation

from .models import Caption, Episode, Series, Teaser
from .teaser import cuts_from_json, teaser_cues, teaser_cuts, teaser_signature
from .webvtt import Cue, WebVTTError, parse_webvtt, write_cues

VIEWS_KEY = "stories:views:{pk}"


def _published_q(now=None) -> Q:
    return Q(publish_at__isnull=False, publish_at__lte=now or timezone.now())


def episodes_published() -> QuerySet[Episode]:
    """Published episodes in series order, with their video (and so the poster)."""
    return Episode.objects.filter(_published_q()).select_related("series", "video")


def episodes_visible_to(user) -> QuerySet[Episode]:
    """What a visitor may open: published episodes; staff also preview the rest."""
    episodes = Episode.objects.select_related("series", "video")
    if user.is_authenticated and user.is_staff:
        return episodes
    return episodes.filter(_published_q())


def episodes_numbered() -> list[Episode]:
    """Published episodes in series order, each with `.number`: its place among the
    published episodes of its series (1, 2, …), the number the cards show."""
    episodes = list(episodes_published())
    counts: dict[int, int] = {}
    for episode in episodes:
        counts[episode.series_id] = counts.get(episode.series_id, 0) + 1
        episode.number = counts[episode.series_id]
    return episodes


def series_published() -> list[tuple[Series, list[Episode]]]:
    """Each series that has published episodes, with them, numbered, in order."""
    grouped: dict[int, tuple[Series, list[Episode]]] = {}
    for episode in episodes_numbered():
        grouped.setdefault(episode.series_id, (episode.series, []))[1].append(episode)
    return list(grouped.values())


class SeriesPlace(NamedTuple):
    """Where an episode stands among the published episodes of its series; `number`
    is None for a draft a member of staff previews."""

    number: int | None
    total: int
    previous: Episode | None
    next: Episode | None


def episode_place(episode: Episode) -> SeriesPlace:
    """The episode's number, the series' length and its published neighbours."""
    siblings = list(episodes_published().filter(series_id=episode.series_id))
    ids = [sibling.pk for sibling in siblings]
    if episode.pk not in ids:
        return SeriesPlace(None, len(siblings), None, None)
    index = ids.index(episode.pk)
    return SeriesPlace(
        number=index + 1,
        total=len(siblings),
        previous=siblings[index - 1] if index > 0 else None,
        next=siblings[index + 1] if index + 1 < len(siblings) else None,
    )


def episode_captions(episode: Episode) -> list[Caption]:
    return list(episode.captions.all())


def caption_for_language(captions: list[Caption], language: str) -> Caption | None:
    """The captions in `language`, else English, else none."""
    by_language = {caption.language: caption for caption in captions}
    return by_language.get(language) or by_language.get("en")


def transcript(caption: Caption | None) -> list[Cue]:
    if caption is None:
        return []
    try:
        return parse_webvtt(caption.text)
    except WebVTTError:
        # Saved captions are validated; an old broken row must not break the page.
        return []


def current_language() -> str:
    return (translation.get_language() or "en")[:2]


def video_is_public_episode(video) -> bool | None:
    """The videos app's owner hook: None when the video is not an episode's."""
    episode = Episode.objects.filter(video_id=video.pk).only("publish_at").first()
    if episode is None:
        return None
    return episode.is_published()


def episode_video_access(video, user, kind: str) -> bool | None:
    """The videos app's may_view hook: an episode's files that are not public yet,
    and its master upload, are for the staff who may edit stories."""
    if not Episode.objects.filter(video_id=video.pk).exists():
        return None
    return bool(user.is_authenticated and user.has_perm("stories.change_episode"))


def pending_views(episode_ids) -> dict[int, int]:
    """Plays counted in the cache and not yet written to the database."""
    keys = {VIEWS_KEY.format(pk=pk): pk for pk in episode_ids}
    found = cache.get_many(list(keys))
    return {keys[key]: int(value) for key, value in found.items() if value}


def episode_views(episode: Episode) -> int:
    return episode.views + pending_views([episode.pk]).get(episode.pk, 0)


def story_views_total(*, include_demo: bool = True) -> int:
    """Every play of every episode: flushed counts plus what the cache still holds.
    Without `include_demo`, plays of demo placeholders are left out (the home
    page's figure: a play of a placeholder is not a view of the story)."""
    episodes = (
        Episode.objects.all() if include_demo else Episode.objects.filter(is_demo=False)
    )
    stored = episodes.aggregate(total=Sum("views"))["total"] or 0
    ids = list(episodes.values_list("pk", flat=True))
    return stored + sum(pending_views(ids).values())


# The teasers kept: the current one and the one before it (a page a browser or the
# outage copy still holds may name it while the new one takes over).
TEASERS_KEPT = 2


def _live_videos(episodes) -> set[tuple[int, str]]:
    return {
        (episode.pk, str(episode.video_id))
        for episode in episodes
        if episode.video_id and episode.video.is_ready
    }


def _teaser_is_live(teaser: Teaser, live: set) -> bool:
    """Every episode in it is still published, with the video it was cut from: a
    teaser never shows an unpublished episode or a replaced video, even for the
    minutes its successor takes to make."""
    return bool(teaser.cuts) and all(
        (cut.episode, cut.video) in live for cut in cuts_from_json(teaser.cuts)
    )


def teaser_shown(episodes=None) -> Teaser | None:
    """The teaser the home page shows, given the published episodes (default
    `episodes_published()`): the one cut from exactly these episodes; while that
    one is being made, the newest one whose episodes are all still live; else
    None. Its `is_demo` says whether any episode in it is a demo placeholder."""
    episodes = list(episodes_published() if episodes is None else episodes)
    cuts = teaser_cuts(episodes)
    if not cuts:
        return None
    signature = teaser_signature(cuts)
    live = _live_videos(episodes)
    candidates = [
        teaser
        for teaser in Teaser.objects.select_related("video")[:TEASERS_KEPT]
        if teaser.video.is_ready and _teaser_is_live(teaser, live)
    ]
    exact = [teaser for teaser in candidates if teaser.signature == signature]
    teaser = (exact or candidates or [None])[0]
    if teaser is not None:
        demo = {episode.pk for episode in episodes if episode.is_demo}
        teaser.is_demo = any(cut.episode in demo for cut in cuts_from_json(teaser.cuts))
    return teaser


def teaser_is_public(teaser: Teaser) -> bool:
    return _teaser_is_live(teaser, _live_videos(episodes_published()))


def video_is_public_teaser(video) -> bool | None:
    """The videos app's owner hook for teasers: None when the video is not one."""
    teaser = Teaser.objects.filter(video_id=video.pk).first()
    if teaser is None:
        return None
    return teaser_is_public(teaser)


def teaser_video_access(video, user, kind: str) -> bool | None:
    """A teaser that is not public any more is for the staff who edit stories."""
    if not Teaser.objects.filter(video_id=video.pk).exists():
        return None
    return kind != "original" and bool(
        user.is_authenticated and user.has_perm("stories.change_episode")
    )


def teaser_captions(teaser: Teaser, language: str) -> str:
    """The teaser's WebVTT in `language` (each episode's captions in it, else in
    English), from the episodes' own cues over the cuts (stories/teaser.py)."""
    cuts = cuts_from_json(teaser.cuts)
    episodes = Episode.objects.filter(pk__in=[cut.episode for cut in cuts])
    cues, creators = {}, {}
    for episode in episodes.prefetch_related("captions"):
        caption = caption_for_language(list(episode.captions.all()), language)
        cues[episode.pk] = transcript(caption)
        creators[episode.pk] = (episode.creator_handle, episode.creator_name)
    return write_cues(teaser_cues(cuts, cues, creators))
