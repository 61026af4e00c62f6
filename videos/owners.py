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
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Owner:
    is_public: Callable
    on_finished: Callable
    may_view: Callable | None = None
    keeps_source: Callable | None = None


_owners: list[Owner] = []


def register_owner(
    *,
    is_public: Callable,
    on_finished: Callable,
    may_view: Callable | None = None,
    keeps_source: Callable | None = None,
) -> None:
    owner = Owner(
        is_public=is_public,
        on_finished=on_finished,
        may_view=may_view,
        keeps_source=keeps_source,
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
    for owner in _owners:
        if owner.keeps_source is not None:
            answer = owner.keeps_source(video)
            if answer is not None:
                return answer
    return True
