"""Who a video belongs to, without the videos app importing its owners.

Apps that own videos (stories, challenge) register in their AppConfig.ready():

    register_owner(is_public=..., on_finished=...)

- `is_public(video) -> bool | None`: True when anonymous visitors may fetch the
  processed video and poster, False when they may not, None when the video is not
  this owner's.
- `on_finished(video) -> None`: called inside the pipeline's transaction once the
  video reaches `ready` or `failed`, so the owner can move its own state along.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Owner:
    is_public: Callable
    on_finished: Callable


_owners: list[Owner] = []


def register_owner(*, is_public: Callable, on_finished: Callable) -> None:
    owner = Owner(is_public=is_public, on_finished=on_finished)
    if owner not in _owners:
        _owners.append(owner)


def video_is_public(video) -> bool:
    return any(owner.is_public(video) is True for owner in _owners)


def notify_finished(video) -> None:
    for owner in _owners:
        owner.on_finished(video)
