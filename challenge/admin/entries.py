"""The moderation desk in Django admin: the queue, the review page, decisions.

Looking needs the usual view permissions; deciding needs challenge.moderate_entry
(the Moderators group, or a superuser), checked on the server for every action and
every decision URL. Every decision goes through challenge.services.moderation.decisions,
which applies it with challenge.states.entry_transition and records an EntryEvent.
"""

import json
from functools import partial
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.accounts import person_label

from ..models import Entry, EntryEvent, Report, TikTokPost
from ..models.entries import state_label
from ..nudge import needs_careful_review
from ..selectors.dashboard import dashboard_figures
from ..selectors.desk import next_to_review
from ..selectors.guardian import consent_flags, consent_record
from ..services import claims
from ..services.moderation import decisions
from ..states import TransitionNotAllowed
from . import desk
from .filters import SignalFilter, StateFilter
from .forms import (
    BulkRejectForm,
    DecisionForm,
    decision_done_message,
    decision_overtaken_message,
)
from .labels import event_label
from .mixins import ReadOnlyAdminMixin, ReadOnlyInline

ADMIN_CSS = {"all": ["css/admin_moderation.css", "css/tiktok.css"]}


class EntryEventInline(ReadOnlyInline):
    """The entry's history in words, as the audit log says it (never
    `pending_review → approved`)."""

    model = EntryEvent
    verbose_name = _("decision or change")
    verbose_name_plural = _("history")
    fields = ["created_at", "by", "from_label", "to_label", "event", "note"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def by(self, event):
        return person_label(event.actor)

    @admin.display(description=_("from"))
    def from_label(self, event):
        return state_label(event.from_state)

    @admin.display(description=_("to"))
    def to_label(self, event):
        return state_label(event.to_state)

    @admin.display(description=_("event"))
    def event(self, event):
        return event_label(event)


class ReportInline(ReadOnlyInline):
    model = Report
    verbose_name_plural = _("reports from visitors")
    fields = ["created_at", "reason", "text", "weight", "resolved_at"]
    readonly_fields = fields


def _signal_badges(entry: Entry):
    badges = []
    if entry.report_count:
        badges.append(
            (
                "report",
                ngettext("%(n)s report", "%(n)s reports", entry.report_count)
                % {"n": entry.report_count},
            )
        )
        if entry.report_burst_at:
            badges.append(("burst", gettext("Burst of reports")))
    hits = entry.watched_hits or []
    if needs_careful_review(hits):
        badges.append(("hold", gettext("Careful review")))
    if hits:
        words = ", ".join(
            str(hit.get("phrase", hit) if isinstance(hit, dict) else hit)
            for hit in hits[:3]
        )
        badges.append(("watched", gettext("Watched: %(words)s") % {"words": words}))
    # A reverse one-to-one: None for an entry without a guardian's consent.
    consent = getattr(entry, "guardian_consent", None)
    if consent is not None and consent_flags(consent):
        badges.append(("consent", gettext("Consent flagged")))
    outcome = entry.nudge_outcome
    if outcome == "posted_anyway":
        badges.append(("nudge", gettext("Posted anyway after nudge")))
    elif outcome == "edited":
        badges.append(("nudge-ok", gettext("Edited after nudge")))
    if not badges:
        return format_html('<span class="mod-muted">{}</span>', "—")
    return format_html_join(
        " ", '<span class="mod-badge mod-badge-{}">{}</span>', badges
    )


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "entry_caption",
        "minor",
        "signals",
        "waited",
        "state",
    ]
    list_display_links = ["thumbnail", "entry_caption"]
    list_filter = [StateFilter, SignalFilter, "prompt", "language", "is_minor"]
    search_fields = ["participant__handle", "caption"]
    search_help_text = _("Search by handle or caption.")
    list_select_related = ["participant", "video", "guardian_consent"]
    list_per_page = 50
    show_full_result_count = False
    view_on_site = False  # "View in the gallery" appears only for approved entries
    actions = [
        "approve_selected",
        "reject_selected",
        "hide_selected",
        "restore_selected",
    ]
    inlines = [EntryEventInline, ReportInline]
    fieldsets = [
        (None, {"fields": ["player", "caption", "handle", "prompt", "language"]}),
        (
            _("Signals"),
            {
                "fields": [
                    "state",
                    "minor",
                    "signals",
                    "consent_given",
                    "hearts_and_reports",
                    "waited",
                ]
            },
        ),
        (
            _("Video file"),
            {"fields": ["video_facts", "probe_data"], "classes": ["collapse"]},
        ),
    ]
    readonly_fields = [
        "player",
        "caption",
        "handle",
        "prompt",
        "language",
        "state",
        "minor",
        "signals",
        "consent_given",
        "hearts_and_reports",
        "waited",
        "video_facts",
        "probe_data",
    ]

    class Media:
        css = ADMIN_CSS
        js = ["js/tiktok.js"]

    # Permissions: look with view_entry, decide with moderate_entry. Nobody edits
    # an entry's fields here, and nobody adds or deletes entries.
    def has_moderate_permission(self, request):
        return claims.can_moderate(request.user)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("participant", "video", "guardian_consent")
        )

    def get_ordering(self, request):
        # The list shows the longest waiting first; which entry is reviewed next
        # ("& next", the desk) is the desk's priority (selectors.desk.next_to_review).
        return ["state_changed_at", "id"]

    # Columns ---------------------------------------------------------------------
    @admin.display(description=_("poster"))
    def thumbnail(self, entry):
        if not entry.video.poster:
            return format_html('<span class="mod-thumb mod-thumb-empty"></span>')
        return format_html(
            '<img class="mod-thumb" src="{}" alt="" width="54" height="96" '
            'loading="lazy">',
            entry.video.poster_url,
        )

    @admin.display(description=_("caption, handle, duration"))
    def entry_caption(self, entry):
        caption = entry.caption
        caption = caption if len(caption) <= 120 else caption[:119] + "…"
        return format_html(
            '{}<span class="mod-meta">{} · {}</span>',
            caption,
            self.handle(entry),
            self.duration(entry),
        )

    def get_list_display(self, request):
        # The state column only says something when several states are listed.
        chosen = request.GET.get("state", StateFilter.default)
        if chosen in Entry.State.values:
            return [name for name in self.list_display if name != "state"]
        return self.list_display

    @admin.display(description=_("handle"), ordering="participant__handle")
    def handle(self, entry):
        return f"@{entry.participant.handle}"

    @admin.display(description=_("duration"), ordering="video__duration")
    def duration(self, entry):
        seconds = entry.video.duration
        if seconds is None:
            return "—"
        return f"{int(seconds) // 60}:{int(round(seconds)) % 60:02d}"

    @admin.display(description=_("minor"), boolean=True, ordering="is_minor")
    def minor(self, entry):
        return entry.is_minor

    @admin.display(description=_("signals"))
    def signals(self, entry):
        return _signal_badges(entry)

    @admin.display(description=_("waiting for"), ordering="state_changed_at")
    def waited(self, entry):
        if entry.state != Entry.State.PENDING_REVIEW:
            return format_html(
                '<span class="mod-muted">{}</span>',
                gettext("%(time)s ago") % {"time": timesince(entry.state_changed_at)},
            )
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            entry.state_changed_at.isoformat(),
            date_format(timezone.localtime(entry.state_changed_at), "DATETIME_FORMAT"),
            timesince(entry.state_changed_at),
        )

    # Review page -------------------------------------------------------------------
    @admin.display(description=_("video"))
    def player(self, entry):
        video = entry.video
        post = TikTokPost.objects.filter(entry=entry).first()
        if post is not None:
            # Played on TikTok's player, loaded only when the moderator presses play.
            return render_to_string(
                "components/tiktok_player.html",
                {
                    "player_url": post.player_url,
                    "tiktok_url": post.url,
                    "poster_url": video.poster_url,
                    "handle": post.handle,
                    "show_button": True,
                },
            )
        return format_html(
            '<div class="mod-player"><video controls preload="metadata" '
            'playsinline src="{src}" poster="{poster}" '
            'width="{w}" height="{h}"></video>'
            '<p><a href="{src}" download>{label}</a></p></div>',
            src=video.video_url,
            poster=video.poster_url,
            w=video.width or 360,
            h=video.height or 640,
            label=gettext("Download the video"),
        )

    @admin.display(description=_("guardian's consent"))
    def consent_given(self, entry):
        record = consent_record(entry)
        if record is None:
            return format_html(
                '<span class="mod-muted">{}</span>', gettext("No consent needed")
            )
        return render_to_string(
            "admin/challenge/entry/_consent.html", {"consent": record}
        )

    @admin.display(description=_("hearts and reports"))
    def hearts_and_reports(self, entry):
        return gettext("%(hearts)s hearts, %(reports)s open reports") % {
            "hearts": entry.heart_count,
            "reports": entry.report_count,
        }

    @admin.display(description=_("video facts"))
    def video_facts(self, entry):
        video = entry.video
        return format_html(
            "{} × {} · {} s · {} · {}",
            video.width or "?",
            video.height or "?",
            round(video.duration or 0, 1),
            video.get_status_display(),
            video.original_name or "—",
        )

    @admin.display(description=_("probe data"))
    def probe_data(self, entry):
        return format_html(
            '<pre class="mod-probe">{}</pre>',
            json.dumps(entry.video.probe or {}, indent=2, sort_keys=True)[:20000],
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        entry = get_object_or_404(Entry, pk=object_id)
        can_decide = self.has_moderate_permission(request)
        extra_context = {
            **(extra_context or {}),
            "can_decide": can_decide,
            "decision_form": DecisionForm(initial={"seen_state": entry.state}),
            "decide_url": reverse("admin:challenge_entry_decide", args=[entry.pk]),
            "entry_state": entry.state,
            "is_pending": entry.state == Entry.State.PENDING_REVIEW,
            "is_public": entry.state == Entry.State.APPROVED,
            "is_hidden": entry.state == Entry.State.HIDDEN,
            "flow": request.GET.get("flow") == "1",
            "public_url": entry.get_absolute_url()
            if entry.state == Entry.State.APPROVED
            else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # Decision URLs ---------------------------------------------------------------------
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        desk_views = [
            ("desk/", desk.desk_next, "desk"),
            ("desk/undo/", desk.desk_undo, "desk_undo"),
            ("desk/<int:object_id>/", desk.desk_entry, "desk_entry"),
            ("desk/<int:object_id>/decide/", desk.desk_decide, "desk_decide"),
        ]
        return [
            *(
                path(
                    route,
                    wrap(partial(view, self)),
                    name="{}_{}_{}".format(*info, name),
                )
                for route, view, name in desk_views
            ),
            path(
                "<int:object_id>/decide/",
                wrap(self.decide_view),
                name="{}_{}_decide".format(*info),
            ),
            path(
                "bulk-reject/",
                wrap(self.bulk_reject_view),
                name="{}_{}_bulk_reject".format(*info),
            ),
            path(
                "dashboard/",
                wrap(self.dashboard_view),
                name="{}_{}_dashboard".format(*info),
            ),
            *super().get_urls(),
        ]

    def _change_url(self, entry_id, **query):
        url = reverse("admin:challenge_entry_change", args=[entry_id])
        return f"{url}?{urlencode(query)}" if query else url

    def decide_view(self, request, object_id):
        return require_POST(self._decide)(request, object_id)

    def _decide(self, request, object_id):
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(Entry, pk=object_id)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return HttpResponseRedirect(self._change_url(entry.pk))
        try:
            decision = form.decide(entry_id=entry.pk, actor=request.user)
        except claims.EntryClaimed as error:
            self.message_user(request, str(error), messages.WARNING)
            return HttpResponseRedirect(self._change_url(entry.pk))
        except (TransitionNotAllowed, Entry.DoesNotExist):
            self.message_user(
                request, decision_overtaken_message(entry.pk), messages.WARNING
            )
            if not Entry.objects.filter(pk=entry.pk).exists():
                return HttpResponseRedirect(reverse("admin:challenge_entry_changelist"))
            return HttpResponseRedirect(self._change_url(entry.pk))
        self.message_user(
            request, decision_done_message(decision, entry.pk), messages.SUCCESS
        )
        if form.goes_next:
            following = next_to_review(moderator=request.user, exclude=[entry.pk])
            if following is None:
                self.message_user(request, gettext("The queue is empty. Well done!"))
                return HttpResponseRedirect(reverse("admin:challenge_entry_changelist"))
            return HttpResponseRedirect(self._change_url(following.pk, flow="1"))
        return HttpResponseRedirect(self._change_url(entry.pk))

    # Bulk actions ----------------------------------------------------------------------
    def _bulk(self, request, queryset, decision, **kwargs):
        ids = list(queryset.values_list("pk", flat=True))
        result = decisions.entries_decide(
            entry_ids=ids, decision=decision, actor=request.user, **kwargs
        )
        self.message_user(
            request,
            gettext(
                "%(applied)s applied, %(skipped)s skipped (no longer in a state "
                "that allows it)."
            )
            % {"applied": len(result.applied), "skipped": len(result.skipped)},
            messages.SUCCESS if result.applied else messages.WARNING,
        )
        if result.claimed:
            self.message_user(
                request,
                ngettext(
                    "%(count)s entry is being reviewed by another moderator in the "
                    "desk and was left to them.",
                    "%(count)s entries are being reviewed by other moderators in the "
                    "desk and were left to them.",
                    len(result.claimed),
                )
                % {"count": len(result.claimed)},
                messages.WARNING,
            )
        if result.held:
            self.message_user(
                request,
                ngettext(
                    "%(count)s entry is marked for careful review and was not "
                    "approved: open it and decide on its own.",
                    "%(count)s entries are marked for careful review and were not "
                    "approved: open each and decide on its own.",
                    len(result.held),
                )
                % {"count": len(result.held)},
                messages.WARNING,
            )
        if result.consent_flagged:
            self.message_user(
                request,
                ngettext(
                    "%(count)s entry has a flagged guardian consent and was not "
                    "approved: open it, see how the consent was given and decide on "
                    "its own.",
                    "%(count)s entries have a flagged guardian consent and were not "
                    "approved: open each, see how the consent was given and decide "
                    "on its own.",
                    len(result.consent_flagged),
                )
                % {"count": len(result.consent_flagged)},
                messages.WARNING,
            )
        return result

    @admin.action(permissions=["moderate"], description=_("Approve selected entries"))
    def approve_selected(self, request, queryset):
        self._bulk(request, queryset, "approve")

    @admin.action(
        permissions=["moderate"],
        description=_("Hide selected entries from the gallery"),
    )
    def hide_selected(self, request, queryset):
        self._bulk(request, queryset, "hide", reason="moderator")

    @admin.action(
        permissions=["moderate"], description=_("Restore selected hidden entries")
    )
    def restore_selected(self, request, queryset):
        self._bulk(request, queryset, "restore")

    @admin.action(
        permissions=["moderate"],
        description=_("Reject selected entries (with a reason)…"),
    )
    def reject_selected(self, request, queryset):
        seen = list(queryset.values_list("pk", "state"))
        form = BulkRejectForm(
            initial={"ids": ",".join(f"{pk}:{state}" for pk, state in seen)}
        )
        return self._bulk_reject_page(request, form, len(seen))

    def _bulk_reject_page(self, request, form, count):
        return TemplateResponse(
            request,
            "admin/challenge/entry/bulk_reject.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Reject entries"),
                "form": form,
                "count": count,
                "action_url": reverse("admin:challenge_entry_bulk_reject"),
                "media": self.media,
            },
        )

    def bulk_reject_view(self, request):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:challenge_entry_changelist"))
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        form = BulkRejectForm(request.POST)
        if not form.is_valid():
            count = len([p for p in request.POST.get("ids", "").split(",") if p])
            return self._bulk_reject_page(request, form, count)
        seen = form.cleaned_data["ids"]
        self._bulk(
            request,
            Entry.objects.filter(pk__in=list(seen)),
            "reject",
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            seen_states=seen,
        )
        return HttpResponseRedirect(reverse("admin:challenge_entry_changelist"))

    # Dashboard ---------------------------------------------------------------------------
    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/moderation_dashboard.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Moderation dashboard"),
                "figures": dashboard_figures(),
                "media": self.media,
            },
        )
