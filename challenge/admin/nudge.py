"""Admin for the kindness nudge: the watched words staff edit, and the nudges shown."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Nudge, WatchedWord
from ..selectors.dashboard import nudge_stats


@admin.register(WatchedWord)
class WatchedWordAdmin(admin.ModelAdmin):
    list_display = ["phrase", "language", "action", "is_active"]
    list_filter = ["language", "action", "is_active"]
    list_editable = ["action", "is_active"]
    search_fields = ["phrase"]
    ordering = ["language", "phrase"]


@admin.register(Nudge)
class NudgeAdmin(admin.ModelAdmin):
    """Read-only record of each "think before you post" prompt."""

    list_display = ["created_at", "participant", "outcome", "phrases", "entry"]
    list_filter = ["outcome", "created_at"]
    readonly_fields = [
        "participant",
        "video",
        "entry",
        "caption",
        "prompt",
        "language",
        "hits",
        "outcome",
        "created_at",
        "decided_at",
    ]
    exclude = ["guardian_email", "submission_token"]

    @admin.display(description=_("watched words found"))
    def phrases(self, obj):
        return ", ".join(hit.get("phrase", "") for hit in obj.hits)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "nudge_stats": nudge_stats()}
        response = super().changelist_view(request, extra_context)
        stats = extra_context["nudge_stats"]
        if stats["rate"] is not None and hasattr(response, "context_data"):
            self.message_user(
                request,
                _(
                    "Measured on this site: %(reconsidered)s of %(answered)s people "
                    "reconsidered after the prompt (%(percent)s%%)."
                )
                % {
                    "reconsidered": stats["reconsidered"],
                    "answered": stats["answered"],
                    "percent": round(stats["rate"] * 100),
                },
            )
        return response
