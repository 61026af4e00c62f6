"""List filters of the moderation desk."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Entry


class StateFilter(admin.SimpleListFilter):
    """Opens on the queue: entries waiting for review, unless a state is chosen."""

    title = _("state")
    parameter_name = "state"
    default = Entry.State.PENDING_REVIEW
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Entry.State.choices, (self.ALL, _("All states"))]

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.ALL or value not in Entry.State.values:
            return queryset
        return queryset.filter(state=value)


class SignalFilter(admin.SimpleListFilter):
    title = _("signals")
    parameter_name = "signal"

    def lookups(self, request, model_admin):
        return [
            ("reported", _("Reported")),
            ("burst", _("Burst of reports")),
            ("watched", _("Watched words in the caption")),
            ("posted_anyway", _("Posted anyway after the kindness nudge")),
            ("minor", _("Participant under 18")),
            ("none", _("No signal")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "reported":
            return queryset.filter(report_count__gt=0)
        if value == "burst":
            return queryset.filter(report_count__gt=0, report_burst_at__isnull=False)
        if value == "watched":
            return queryset.exclude(watched_hits=[])
        if value == "posted_anyway":
            return queryset.filter(nudge_outcome="posted_anyway")
        if value == "minor":
            return queryset.filter(is_minor=True)
        if value == "none":
            return queryset.filter(report_count=0, watched_hits=[]).exclude(
                nudge_outcome="posted_anyway"
            )
        return queryset


class DecisionFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [
            ("moderator", _("Moderator decisions")),
            ("system", _("Automatic (pipeline, reports)")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "moderator":
            return queryset.filter(actor__isnull=False)
        if self.value() == "system":
            return queryset.filter(actor__isnull=True)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", _("Open")), ("0", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(resolved_at__isnull=False)
        return queryset
