"""The review desk: one entry at a time, keyboard first, claimed while it is open.

Admin views under /admin/challenge/entry/desk/ (EntryAdmin.get_urls adds them), so
the admin's login, session and CSRF apply. Every URL needs challenge.moderate_entry
(403 otherwise): the desk exists to decide. Decisions go through the same form and
service as the review page (DecisionForm.decide, then
services.moderation.decisions.entry_decide); claims through
challenge.services.claims. The page works without JavaScript (forms and links);
static/js/desk.js adds the keys, posts without leaving the page and plays the next
video from what it fetched while the current one played.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core.accounts import person_label
from core.countries import country_name

from ..models import Entry, RejectReason
from ..nudge import needs_careful_review
from ..selectors.desk import DESK_STATES, desk_entry_context, next_to_review
from ..services import claims
from ..services.moderation import undo
from ..states import TransitionNotAllowed
from .forms import DecisionForm, decision_done_message, decision_overtaken_message

TRAIL = "desk_trail"
SKIPPED = "desk_skipped"
TRAIL_LENGTH = 50
SKIPPED_LENGTH = 500


def desk_url(entry_id: int | None = None) -> str:
    if entry_id is None:
        return reverse("admin:challenge_entry_desk")
    return reverse("admin:challenge_entry_desk_entry", args=[entry_id])


def _require_moderator(request) -> None:
    if not claims.can_moderate(request.user):
        raise PermissionDenied


def _remember(request, key: str, entry_id: int, length: int) -> None:
    """Add to the session's list, once (going back to an entry keeps its place)."""
    items = request.session.get(key, [])
    if entry_id not in items:
        request.session[key] = [*items, entry_id][-length:]


def _from_script(request) -> bool:
    """desk.js asks for the next page itself: answer with it at once (one request
    per decision instead of a redirect and a second request)."""
    return request.headers.get("X-Requested-With") == "desk"


def _next_response(model_admin, request):
    """Claim the next entry for this moderator and open it, or show the empty desk."""
    skipped = request.session.get(SKIPPED, [])
    entry = claims.entry_claim_next(moderator=request.user, exclude=skipped)
    if entry is None and skipped:
        # Everything left was skipped: start over rather than say "empty".
        request.session[SKIPPED] = []
        entry = claims.entry_claim_next(moderator=request.user)
    if entry is None:
        if _from_script(request) or request.method == "GET":
            return _located(_render(model_admin, request, entry=None), desk_url())
        return HttpResponseRedirect(desk_url())
    if _from_script(request):
        return _located(_show(model_admin, request, entry.pk), desk_url(entry.pk))
    return HttpResponseRedirect(desk_url(entry.pk))


def _located(response, url: str):
    response["X-Desk-Location"] = url
    return response


def desk_next(model_admin, request):
    _require_moderator(request)
    return _next_response(model_admin, request)


def desk_entry(model_admin, request, object_id):
    _require_moderator(request)
    entry = get_object_or_404(Entry.objects.only("pk", "state"), pk=object_id)
    if entry.state in DESK_STATES and not claims.entry_claim(
        entry_id=entry.pk, moderator=request.user
    ):
        entry = Entry.objects.select_related("claimed_by").get(pk=entry.pk)
        holder = person_label(entry.claimed_by)
        messages.warning(
            request,
            gettext("%(holder)s is reviewing entry %(id)s; here is the next one.")
            % {"holder": holder, "id": entry.pk},
        )
        return _next_response(model_admin, request)
    return _show(model_admin, request, entry.pk)


def _show(model_admin, request, entry_id: int):
    entry = Entry.objects.select_related("participant__user", "video", "tiktok").get(
        pk=entry_id
    )
    _remember(request, TRAIL, entry.pk, TRAIL_LENGTH)
    return _render(model_admin, request, entry=entry)


def _render(model_admin, request, *, entry):
    trail = request.session.get(TRAIL, [])
    undoable = undo.last_undoable_decision(actor=request.user)
    undo_left = 0
    if undoable is not None:
        elapsed = (timezone.now() - undoable.created_at).total_seconds()
        undo_left = max(0, int(settings.MODERATION_UNDO_SECONDS - elapsed))
    frame = (
        {"site_title": model_admin.admin_site.site_title}
        if _from_script(request)
        else model_admin.admin_site.each_context(request)
    )
    context = {
        **frame,
        "opts": model_admin.opts,
        "title": gettext("Review desk"),
        "entry": entry,
        "reasons": [
            (index, value, label)
            for index, (value, label) in enumerate(RejectReason.choices, start=1)
        ],
        "undo": undoable,
        "undo_state": Entry.State(undoable.to_state).label if undoable else "",
        "undo_left": undo_left,
        "undo_seconds": settings.MODERATION_UNDO_SECONDS,
        "queue_length": Entry.objects.filter(state__in=DESK_STATES).count(),
        "next_url": desk_url(),
        "previous_url": "",
        "media": model_admin.media,
    }
    if entry is not None:
        position = trail.index(entry.pk) if entry.pk in trail else len(trail)
        if position > 0:
            context["previous_url"] = desk_url(trail[position - 1])
        if position < len(trail) - 1:
            context["next_url"] = desk_url(trail[position + 1])
        peek = next_to_review(
            moderator=request.user,
            exclude=[entry.pk, *request.session.get(SKIPPED, [])],
        )
        hits = entry.watched_hits or []
        context.update(
            desk_entry_context(entry),
            is_pending=entry.state == Entry.State.PENDING_REVIEW,
            is_hidden=entry.state == Entry.State.HIDDEN,
            is_public=entry.state == Entry.State.APPROVED,
            in_queue=entry.state in DESK_STATES,
            is_mine=entry.claimed_by_id == request.user.pk,
            careful=needs_careful_review(hits),
            watched=[
                str(hit.get("phrase", hit) if isinstance(hit, dict) else hit)
                for hit in hits
            ],
            country=country_name(entry.participant.country)
            or entry.participant.country,
            decide_url=reverse("admin:challenge_entry_desk_decide", args=[entry.pk]),
            review_url=reverse("admin:challenge_entry_change", args=[entry.pk]),
            peek=peek,
        )
    if _from_script(request):
        # desk.js swaps the entry in: the admin's frame around it is already there.
        return TemplateResponse(
            request, "admin/challenge/entry/desk_fragment.html", context
        )
    return TemplateResponse(request, "admin/challenge/entry/desk.html", context)


def desk_decide(model_admin, request, object_id):
    _require_moderator(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    entry = get_object_or_404(Entry, pk=object_id)
    decision = request.POST.get("decision", "")
    if decision == "skip":
        claims.entry_claim_release(entry_id=entry.pk, moderator=request.user)
        _remember(request, SKIPPED, entry.pk, SKIPPED_LENGTH)
        messages.info(
            request, gettext("Entry %(id)s skipped for now.") % {"id": entry.pk}
        )
        return _next_response(model_admin, request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(desk_url(entry.pk))
    try:
        decision = form.decide(entry_id=entry.pk, actor=request.user)
    except claims.EntryClaimed as error:
        messages.warning(request, str(error))
        return _next_response(model_admin, request)
    except (TransitionNotAllowed, Entry.DoesNotExist):
        messages.warning(request, decision_overtaken_message(entry.pk))
        if not Entry.objects.filter(pk=entry.pk).exists():
            return _next_response(model_admin, request)
        return HttpResponseRedirect(desk_url(entry.pk))
    messages.success(request, decision_done_message(decision, entry.pk))
    return _next_response(model_admin, request)


def desk_undo(model_admin, request):
    _require_moderator(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    event_id = request.POST.get("event", "")
    try:
        entry = undo.entry_decision_undo(
            actor=request.user,
            event_id=int(event_id) if event_id.isdigit() else None,
        )
    except undo.UndoNotPossible as error:
        messages.warning(request, str(error))
        return HttpResponseRedirect(desk_url())
    except claims.EntryClaimed as error:
        messages.warning(request, str(error))
        return HttpResponseRedirect(desk_url())
    messages.success(
        request,
        gettext("Undone: entry %(id)s is “%(state)s” again.")
        % {"id": entry.pk, "state": entry.get_state_display()},
    )
    return HttpResponseRedirect(desk_url(entry.pk))
