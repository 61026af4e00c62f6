from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = _("Story series")

    def ready(self):
        from videos.owners import register_owner

        from .selectors import episode_video_access, video_is_public_episode

        register_owner(
            is_public=video_is_public_episode,
            on_finished=_nothing_to_do,
            may_view=episode_video_access,
        )


def _nothing_to_do(video) -> None:
    """An episode has no state of its own to move when its video is processed."""
