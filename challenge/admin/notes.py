"""Kind notes in the admin: the queue of reported and held notes, each with its entry
and the writer's recent notes; remove or restore with a reason (through
services.notes.moderators, every step in the append-only NoteEvent log); everything
one writer posted removed in one step."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.accounts import person_label

from ..models import Note, NoteEvent, NoteReport
from ..services.notes.moderators import (
    can_moderate_notes,
    note_moderate,
    notes_remove_all_by_author,
)
from .mixins import ReadOnlyAdminMixin, ReadOnlyInline


class NoteQueueFilter(admin.SimpleListFilter):
    """Opens on the queue: held notes and notes with open reports."""

    title = _("queue")
    parameter_name = "queue"
    QUEUE, ALL = "queue", "all"

    def lookups(self, request, model_admin):
        return [
            (self.QUEUE, _("Held or reported")),
            (self.ALL, _("All notes")),
        ]

    def value(self):
        return super().value() or self.QUEUE

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() != self.QUEUE:
            return queryset
        open_reports = NoteReport.objects.filter(
            note=OuterRef("pk"), resolved_at__isnull=True
        )
        return queryset.filter(
            Q(state=Note.State.HELD)
            | Q(Exists(open_reports), state=Note.State.PUBLISHED)
        )


class NoteActionForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason (kept in the log)"), required=False, max_length=200
    )


class NoteReportInline(ReadOnlyInline):
    model = NoteReport
    fields = ["created_at", "reason", "text", "weight", "resolved_at"]
    readonly_fields = fields


class NoteEventInline(ReadOnlyInline):
    model = NoteEvent
    fields = ["created_at", "from_state", "to_state", "role", "by", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def by(self, event):
        return person_label(event.actor)


@admin.register(Note)
class NoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "excerpt",
        "writer",
        "entry_link",
        "state",
        "report_count",
        "report_burst_at",
        "muted",
    ]
    list_filter = [NoteQueueFilter, "state", "nudge_outcome", "created_at"]
    search_fields = ["text", "author__handle", "=entry__id"]
    list_select_related = ["author", "entry__participant"]
    action_form = NoteActionForm
    actions = ["remove_selected", "restore_selected", "remove_all_by_writers"]
    inlines = [NoteReportInline, NoteEventInline]
    fields = [
        "text",
        "state",
        "writer",
        "entry_link",
        "created_at",
        "nudge_outcome",
        "watched_hits",
        "muted",
        "report_count",
        "report_burst_at",
        "recent_by_writer",
    ]
    readonly_fields = fields

    def has_moderate_permission(self, request):
        return can_moderate_notes(request.user)

    @admin.display(description=_("note"))
    def excerpt(self, note):
        return note.text[:80]

    @admin.display(description=_("writer"))
    def writer(self, note):
        return format_html(
            '@{} (<a href="{}?author__id__exact={}&queue=all">{}</a>)',
            note.author.handle,
            reverse("admin:challenge_note_changelist"),
            note.author_id,
            _("all their notes"),
        )

    @admin.display(description=_("entry"))
    def entry_link(self, note):
        return format_html(
            '<a href="{}">#{} @{} ({})</a>',
            reverse("admin:challenge_entry_change", args=[note.entry_id]),
            note.entry_id,
            note.entry.participant.handle,
            note.entry.get_state_display(),
        )

    @admin.display(description=_("the writer's recent notes"))
    def recent_by_writer(self, note):
        recent = (
            Note.objects.filter(author_id=note.author_id)
            .exclude(pk=note.pk)
            .order_by("-created_at")[:10]
        )
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a> · {} · {}</li>',
            (
                (
                    reverse("admin:challenge_note_change", args=[other.pk]),
                    other.created_at.strftime("%Y-%m-%d %H:%M"),
                    other.get_state_display(),
                    other.text[:120],
                )
                for other in recent
            ),
        )
        return format_html("<ul>{}</ul>", rows) if recent else "—"

    def _reason(self, request) -> str:
        return (request.POST.get("reason") or "").strip()

    def _needs_reason(self, request) -> bool:
        if self._reason(request):
            return False
        self.message_user(
            request,
            _("Give a reason (kept in the log) before applying the action."),
            messages.ERROR,
        )
        return True

    def _decide(self, request, queryset, *, remove: bool):
        if self._needs_reason(request):
            return
        changed = sum(
            note_moderate(
                note_id=pk,
                actor=request.user,
                remove=remove,
                reason=self._reason(request),
            )
            for pk in queryset.values_list("pk", flat=True)
        )
        skipped = queryset.count() - changed
        self.message_user(
            request,
            _("%(changed)s applied, %(skipped)s skipped.")
            % {"changed": changed, "skipped": skipped},
        )

    @admin.action(permissions=["moderate"], description=_("Remove selected notes"))
    def remove_selected(self, request, queryset):
        self._decide(request, queryset, remove=True)

    @admin.action(permissions=["moderate"], description=_("Restore selected notes"))
    def restore_selected(self, request, queryset):
        self._decide(request, queryset, remove=False)

    @admin.action(
        permissions=["moderate"],
        description=_("Remove every note by the writers of the selected notes"),
    )
    def remove_all_by_writers(self, request, queryset):
        if self._needs_reason(request):
            return
        removed = 0
        for author_id in set(queryset.values_list("author_id", flat=True)):
            removed += notes_remove_all_by_author(
                author_id=author_id, actor=request.user, reason=self._reason(request)
            )
        self.message_user(
            request,
            ngettext("%(count)s note removed.", "%(count)s notes removed.", removed)
            % {"count": removed},
        )


@admin.register(NoteEvent)
class NoteEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The log of every note's states: owners', moderators' and automatic changes."""

    list_display = [
        "created_at",
        "note",
        "from_state",
        "to_state",
        "role",
        "actor",
        "reason",
    ]
    list_filter = ["to_state", "role", "created_at"]
    search_fields = ["reason", "=note__id", "note__author__handle"]
    list_select_related = ["actor", "note"]
