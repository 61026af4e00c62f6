"""Participants and guardians' consents, read-only."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ..models import Entry, GuardianConsent, Participant
from .mixins import ReadOnlyAdminMixin


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "handle",
        "country",
        "language",
        "is_demo",
        "created_at",
        "entry_count",
    ]
    search_fields = ["handle"]
    list_filter = ["country", "language", "is_demo"]
    fields = ["handle", "country", "language", "is_demo", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                entries_total=Count(
                    "entries", filter=~Q(entries__state=Entry.State.WITHDRAWN)
                )
            )
        )

    @admin.display(description=_("entries"), ordering="entries_total")
    def entry_count(self, participant):
        return participant.entries_total


@admin.register(GuardianConsent)
class GuardianConsentAdmin(admin.ModelAdmin):
    list_display = ["entry", "decision", "requested_at", "decided_at"]
    list_filter = ["decision"]
    readonly_fields = [
        "entry",
        "guardian_email",
        "decision",
        "requested_at",
        "decided_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
