"""The audit log: every state change of every entry, read-only, exportable as CSV."""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.accounts import person_label

from ..models import Entry, EntryEvent
from ..models.entries import state_label
from .entries import ADMIN_CSS
from .filters import DecisionFilter
from .labels import EVENT_LABELS, event_label
from .mixins import ReadOnlyAdminMixin, StaffActorFilter


def _csv_safe(value) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class ToStateFilter(admin.SimpleListFilter):
    title = _("to")
    parameter_name = "to_state"

    def lookups(self, request, model_admin):
        return Entry.State.choices

    def queryset(self, request, queryset):
        if self.value() in Entry.State.values:
            return queryset.filter(to_state=self.value())
        return queryset


class EventFilter(admin.SimpleListFilter):
    title = _("event")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return list(EVENT_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in EVENT_LABELS:
            return queryset.filter(reason=self.value())
        return queryset


class _Echo:
    def write(self, value):
        return value


def audit_csv_response(events, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = ["time", "entry", "handle", "moderator", "from", "to", "reason", "note"]

    def rows():
        yield writer.writerow(header)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    _csv_safe(value)
                    for value in (
                        event.created_at.isoformat(),
                        event.entry_id,
                        event.entry.participant.handle,
                        person_label(event.actor),
                        event.from_state,
                        event.to_state,
                        event.reason,
                        event.note,
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(EntryEvent)
class EntryEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log: read-only for everyone, superusers included."""

    list_display = [
        "created_at",
        "entry_link",
        "moderator",
        "from_label",
        "to_label",
        "event",
        "note",
    ]
    list_filter = [
        DecisionFilter,
        ("actor", StaffActorFilter),
        ToStateFilter,
        EventFilter,
        "created_at",
    ]
    ordering = ["-created_at", "-id"]
    search_fields = ["entry__participant__handle", "note", "=entry__id"]
    list_select_related = ["entry__participant", "actor"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]
    show_full_result_count = False

    class Media:
        css = ADMIN_CSS

    @admin.display(description=_("by"))
    def moderator(self, event):
        return person_label(event.actor)

    @admin.display(description=_("from"), ordering="from_state")
    def from_label(self, event):
        return state_label(event.from_state)

    @admin.display(description=_("to"), ordering="to_state")
    def to_label(self, event):
        return state_label(event.to_state)

    @admin.display(description=_("event"), ordering="reason")
    def event(self, event):
        return event_label(event)

    @admin.display(description=_("entry"), ordering="entry_id")
    def entry_link(self, event):
        return format_html(
            '<a href="{}">#{} @{}</a>',
            reverse("admin:challenge_entry_change", args=[event.entry_id]),
            event.entry_id,
            event.entry.participant.handle,
        )

    def get_urls(self):
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="challenge_entryevent_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The whole filtered log as CSV (same filters as the list)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        events = (
            changelist.get_queryset(request)
            .select_related("entry__participant", "actor")
            .order_by("created_at", "id")
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return audit_csv_response(events, f"moderation-audit-{stamp}.csv")

    @admin.action(permissions=["view"], description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        events = queryset.select_related("entry__participant", "actor").order_by(
            "created_at", "id"
        )
        return audit_csv_response(events, "moderation-audit-selection.csv")
