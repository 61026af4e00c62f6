"""Who a video belongs to, without the videos app importing its owners.

Apps that own videos (stories, challenge) register in their AppConfig.ready():

    register_owner(is_public=..., on_finished=...)

- `is_public(video) -> bool | None`: True when anonymous visitors may fetch the
  processed video and poster, False when they may not, None when the video is not
  this owner's.
- `on_finished(video) -> None`: called inside the pipeline's transaction once the
  video reaches `ready` or `failed`, so the owner can move its own state along.
- `may_view(video, user, kind) -> bool | None` (optional): whether this user may
  fetch a file that is not public (`kind` is "video", "poster" or "original"), None
  when the video is not this owner's. Videos no owner claims are for superusers.
- `keeps_source(video) -> bool | None` (optional): whether the original upload is
  kept once the processed file exists (False: deleted, with its GPS, device and date
  tags), None when the video is not this owner's. Unclaimed videos keep it.
- `review_first(video) -> bool | None` (optional): True to process the video as a
  review copy first (every rung below the top, the poster, an MP4 of the highest of
  them), leaving the top rung until the owner wants it; None when the video is not
  this owner's. Unclaimed videos get the whole ladder at once.
- `top_rung(video) -> str | None` (optional), for a review copy: TOP_MAKE (make the
  top rung now: the video is, or is about to be, public), TOP_DROP (it never will
  be: release the original) or TOP_WAIT (not decided yet), None when the video is
  not this owner's. Asked inside a transaction holding the video's row lock: it
  reads, never locks. Unclaimed videos get TOP_MAKE.
"""

from collections.abc import Callable
from dataclasses import dataclass

TOP_MAKE = "make"
TOP_DROP = "drop"
TOP_WAIT = "wait"


@dataclass(frozen=True)
class Owner:
    is_public: Callable
    on_finished: Callable
    may_view: Callable | None = None
    keeps_source: Callable | None = None
    review_first: Callable | None = None
    top_rung: Callable | None = None


_owners: list[Owner] = []


def register_owner(
    *,
    is_public: Callable,
    on_finished: Callable,
    may_view: Callable | None = None,
    keeps_source: Callable | None = None,
    review_first: Callable | None = None,
    top_rung: Callable | None = None,
) -> None:
    owner = Owner(
        is_public=is_public,
        on_finished=on_finished,
        may_view=may_view,
        keeps_source=keeps_source,
        review_first=review_first,
        top_rung=top_rung,
    )
    if owner not in _owners:
        _owners.append(owner)


def video_is_public(video) -> bool:
    return any(owner.is_public(video) is True for owner in _owners)


def notify_finished(video) -> None:
    for owner in _owners:
        owner.on_finished(video)


def video_access(video, user, kind: str) -> bool:
    """May this user fetch this (non-public) file? The owner decides."""
    for owner in _owners:
        if owner.may_view is not None:
            answer = owner.may_view(video, user, kind)
            if answer is not None:
                return answer
    return bool(user.is_authenticated and user.is_superuser)


def video_keeps_source(video) -> bool:
    return bool(_first_answer("keeps_source", video, True))


def _first_answer(hook: str, video, default):
    for owner in _owners:
        ask = getattr(owner, hook)
        if ask is not None:
            answer = ask(video)
            if answer is not None:
                return answer
    return default


def video_review_first(video) -> bool:
    return bool(_first_answer("review_first", video, False))


def video_top_rung(video) -> str:
    return _first_answer("top_rung", video, TOP_MAKE)
