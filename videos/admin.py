import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from videos.models import Video
from videos.services import video_reprocess


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "original_name",
        "status",
        "top_rung",
        "duration",
        "width",
        "height",
        "attempts",
        "created_at",
    ]
    list_filter = ["status", "top_rung", "failure_code"]
    search_fields = ["id", "original_name"]
    date_hierarchy = "created_at"
    actions = ["reprocess"]
    fields = [
        "id",
        "status",
        "original_name",
        "links",
        "source_size",
        "output_size",
        "duration",
        "width",
        "height",
        "failure_code",
        "participant_reason",
        "failure_detail",
        "attempts",
        "top_rung",
        "top_attempts",
        "processing_started_at",
        "processed_at",
        "created_at",
        "updated_at",
        "probe_pretty",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_reprocess_permission(self, request):
        return request.user.has_perm("videos.reprocess_video")

    @admin.display(description=_("files"))
    def links(self, obj):
        parts = [format_html('<a href="{}">{}</a>', obj.original_url, _("original"))]
        if obj.is_ready:
            parts.append(format_html('<a href="{}">{}</a>', obj.video_url, _("video")))
        if obj.poster:
            parts.append(
                format_html('<a href="{}">{}</a>', obj.poster_url, _("poster"))
            )
        return format_html(" · ".join(["{}"] * len(parts)), *parts)

    @admin.display(description=_("reason shown to the participant"))
    def participant_reason(self, obj):
        return obj.failure_reason or "—"

    @admin.display(description=_("probe data"))
    def probe_pretty(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.probe, indent=2, sort_keys=True)
        )

    @admin.action(
        description=_("Process the selected videos again"),
        permissions=["reprocess"],
    )
    def reprocess(self, request, queryset):
        queued = sum(video_reprocess(video=video) for video in queryset)
        skipped = queryset.count() - queued
        self.message_user(
            request,
            ngettext(
                "%(count)d video queued for processing.",
                "%(count)d videos queued for processing.",
                queued,
            )
            % {"count": queued},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d ready video left as it is.",
                    "%(count)d ready videos left as they are.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
