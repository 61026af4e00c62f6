"""Visitors' reports and the notices sent to participants, read-only."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import ModerationNotice, Report
from .filters import OpenFilter
from .mixins import ReadOnlyAdminMixin


@admin.register(Report)
class ReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "entry_link",
        "reason",
        "text",
        "reporter",
        "weight",
        "resolved_at",
    ]
    list_filter = [OpenFilter, "reason", "created_at"]
    search_fields = ["entry__participant__handle", "text", "=entry__id"]
    list_select_related = ["entry__participant"]
    fields = [
        "entry_link",
        "reason",
        "text",
        "reporter",
        "weight",
        "created_at",
        "resolved_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("reported by"))
    def reporter(self, report):
        # Anonymous reports are shown (they reach the moderators) but weigh nothing.
        if report.reporter_key.startswith("u:"):
            return _("an account")
        return _("an anonymous visitor")

    @admin.display(description=_("entry"))
    def entry_link(self, report):
        return format_html(
            '<a href="{}">#{} @{} ({})</a>',
            reverse("admin:challenge_entry_change", args=[report.entry_id]),
            report.entry_id,
            report.entry.participant.handle,
            report.entry.get_state_display(),
        )


@admin.register(ModerationNotice)
class ModerationNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "event", "kind", "sent_at", "attempts", "last_error"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["event"]
