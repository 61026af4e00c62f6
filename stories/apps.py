from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = _("Story series")

    def ready(self):
        from videos.owners import register_owner

        from .selectors import (
            episode_video_access,
            teaser_video_access,
            video_is_public_episode,
            video_is_public_teaser,
        )
        from .services import teaser_video_finished

        register_owner(
            is_public=video_is_public_episode,
            on_finished=teaser_video_finished,
            may_view=episode_video_access,
        )
        # The series teaser's video: public while every episode in it is.
        register_owner(
            is_public=video_is_public_teaser,
            on_finished=_nothing_to_do,
            may_view=teaser_video_access,
        )


def _nothing_to_do(video) -> None:
    """A teaser's video is made ready; it has no state to move along."""
