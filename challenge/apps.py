from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengeConfig(AppConfig):
    name = "challenge"
    verbose_name = _("Challenge")

    def ready(self):
        from videos.owners import register_owner

        from .selectors.media import (
            entry_video_access,
            entry_video_is_public,
            entry_video_keeps_source,
            entry_video_review_first,
            entry_video_top_rung,
        )
        from .services.submission import entry_video_finished

        register_owner(
            is_public=entry_video_is_public,
            on_finished=entry_video_finished,
            may_view=entry_video_access,
            keeps_source=entry_video_keeps_source,
            review_first=entry_video_review_first,
            top_rung=entry_video_top_rung,
        )
