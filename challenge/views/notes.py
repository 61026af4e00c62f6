"""Kind notes: writing one (and "think before you post"), reporting one, the owner's
controls (remove, block, settings), the digest's unsubscribe link and the guardian's
answer. Thin: reads through challenge.selectors.notes, writes through the flows of
challenge.services.notes."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.ratelimit import limit_or_429

from ..errors import ChallengeError, ConsentFromParticipant, GuardianLinkError
from ..forms import NoteForm, NoteNudgeForm, NoteSettingsForm
from ..models import NoteNudge, ReportReason
from ..selectors import gallery
from ..selectors.notes import (
    blocks_for,
    note_prefs,
    owner_notes_page,
    public_note,
)
from ..selectors.participants import account_addresses, entry_for_participant
from ..services.notes.digest import (
    notes_digest_unsubscribe,
    participant_from_unsubscribe_token,
)
from ..services.notes.guardian import (
    note_guardian_decide,
    note_guardian_request,
    note_guardian_resend,
    notes_guardian_from_token,
)
from ..services.notes.owner import note_settings_update
from ..services.notes.removal import (
    note_block,
    note_unblock,
    notes_remove,
    notes_remove_by_writer,
)
from ..services.notes.reports import NoteReportRefused, note_report_create
from ..services.notes.writing import note_nudge_decide, note_submit
from .common import participant_required, safe_next
from .devices import client_address, device_ids
from .gallery import render_entry_page


def _entry_url(entry_id: int) -> str:
    return reverse("gallery:detail", kwargs={"pk": entry_id}) + "#notes"


def _after_note(request, result) -> object:
    if result.nudge is not None:
        return redirect("gallery:note_nudge", pk=result.nudge.pk)
    if result.held:
        messages.info(
            request,
            _(
                "Thank you! Your note will appear once our team has looked at it. "
                "Until then only you can see it."
            ),
        )
    elif result.duplicate:
        messages.info(request, _("We had already received this note."))
    elif result.note.nudge_outcome == NoteNudge.Outcome.POSTED_ANYWAY:
        # Posted over a "think before you post" prompt: not thanked for kind words.
        messages.info(request, _("Your note is posted."))
    else:
        messages.success(
            request, _("Your note is posted. Thank you for your kind words!")
        )
    return redirect(_entry_url(result.note.entry_id))


@require_POST
def note_create(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("gallery:detail", kwargs={"pk": pk}))
    return _note_create(request, pk)


@participant_required
def _note_create(request, pk: int):
    limited = limit_or_429(request, action="note")
    if limited:
        return limited
    entry = gallery.gallery_entry(pk=pk)
    if entry is None:
        raise Http404(_("This entry is not in the gallery."))
    form = NoteForm(request.POST, auto_id="note_%s")
    if form.is_valid():
        try:
            result = note_submit(
                entry_id=entry.pk,
                participant=request.participant,
                text=form.cleaned_data["text"],
            )
        except ChallengeError as error:
            form.add_error("text", str(error.message))
        else:
            return _after_note(request, result)
    return render_entry_page(
        request, entry, note_form=form, status=HTTPStatus.BAD_REQUEST
    )


@never_cache
@participant_required
def note_nudge(request, pk: int):
    """ "Think before you post" for a note: edit, post anyway, or cancel."""
    nudge = get_object_or_404(
        NoteNudge,
        pk=pk,
        participant=request.participant,
        outcome=NoteNudge.Outcome.PENDING,
    )
    form = NoteNudgeForm(
        request.POST or None, initial={"text": nudge.text}, auto_id="note_%s"
    )
    still_hurtful = False
    if request.method == "POST" and form.is_valid():
        try:
            result = note_nudge_decide(
                nudge_id=nudge.pk,
                participant=request.participant,
                choice=form.cleaned_data["choice"],
                text=form.cleaned_data.get("text") or "",
            )
        except ChallengeError as error:
            form.add_error(None, str(error.message))
        else:
            if result.note is not None:
                return _after_note(request, result)
            if result.nudge.outcome == NoteNudge.Outcome.CANCELLED:
                messages.info(request, _("Your note was not posted."))
                return redirect(_entry_url(nudge.entry_id))
            nudge = result.nudge
            form = NoteNudgeForm(initial={"text": nudge.text}, auto_id="note_%s")
            still_hurtful = True
    return render(
        request,
        "gallery/note_nudge.html",
        {
            "nudge": nudge,
            "form": form,
            "still_hurtful": still_hurtful,
            "entry_url": _entry_url(nudge.entry_id),
        },
    )


@never_cache
@login_required
def note_report(request, pk: int):
    """Signed-in accounts report a note; the trust-boundary rules of entry reports
    (weights, one per account, rate limit) apply."""
    note = public_note(note_id=pk)
    if note is None:
        raise Http404(_("This note is no longer here."))
    context = {"note": note, "reasons": ReportReason.choices}
    if request.method == "POST":
        limited = limit_or_429(request, action="report")
        if limited:
            return limited
        try:
            note_report_create(
                note_id=note.pk,
                user=request.user,
                reason=request.POST.get("reason", ""),
                text=request.POST.get("text", ""),
                address=client_address(request),
            )
        except NoteReportRefused as error:
            if request.POST.get("reason", "") not in ReportReason.values:
                context.update(error=str(error.message), text=request.POST.get("text"))
                return render(
                    request,
                    "gallery/note_report.html",
                    context,
                    status=HTTPStatus.BAD_REQUEST,
                )
            context["already"] = str(error.message)
        return render(request, "gallery/note_report_done.html", context)
    return render(request, "gallery/note_report.html", context)


# --- The owner's controls ---------------------------------------------------------------


@require_POST
@participant_required
def note_owner_action(request, pk: int):
    """One click from a note under the owner's own entry: remove it, remove every
    note of its writer, or block its writer."""
    participant = request.participant
    action = request.POST.get("action", "")
    if action == "remove":
        count = notes_remove(owner=participant, note_ids=[pk])
        if count:
            messages.success(request, _("The note was removed."))
    elif action == "remove_writer":
        count = notes_remove_by_writer(owner=participant, note_id=pk)
        messages.success(
            request,
            ngettext(
                "%(count)s note by this writer was removed.",
                "%(count)s notes by this writer were removed.",
                count,
            )
            % {"count": count},
        )
    elif action == "block":
        block = note_block(owner=participant, note_id=pk)
        if block is not None:
            messages.success(
                request,
                _(
                    "@%(handle)s can no longer write notes or give hearts on your "
                    "entries. They are not told. You can unblock them any time."
                )
                % {"handle": block.handle},
            )
    return redirect(safe_next(request, reverse("challenge:my_entries")))


@never_cache
@participant_required
def notes_manage(request, pk: int):
    """The owner's notes under one of their entries: select several and remove them
    at once."""
    participant = request.participant
    entry = entry_for_participant(participant, pk)
    if entry is None:
        raise Http404
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("note") if v.isdigit()]
        if not ids:
            messages.error(request, _("Select the notes to remove first."))
        else:
            count = notes_remove(owner=participant, note_ids=ids)
            messages.success(
                request,
                ngettext(
                    "%(count)s note was removed.",
                    "%(count)s notes were removed.",
                    count,
                )
                % {"count": count},
            )
        return redirect("challenge:notes_manage", pk=entry.pk)
    page = owner_notes_page(
        owner=participant,
        entry_id=entry.pk,
        cursor=request.GET.get("after", ""),
        size=50,
    )
    return render(
        request,
        "challenge/notes_manage.html",
        {
            "entry": entry,
            "page": page,
            "prefs": note_prefs(participant),
            "public": gallery.gallery_entry(pk=entry.pk) is not None,
        },
    )


@never_cache
@participant_required
def notes_settings(request):
    participant = request.participant
    prefs = note_prefs(participant)
    row = getattr(participant, "note_settings", None)
    initial = {
        "open": "1" if prefs.open or prefs.waits_for_guardian else "0",
        "words": "\n".join(prefs.words),
        "digest": prefs.digest,
        "guardian_email": row.guardian_email if row else "",
    }
    form = NoteSettingsForm(
        request.POST or None,
        initial=initial,
        minor=prefs.minor,
        account_emails=account_addresses(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wants_open = data["open"]
        guardian_email = data.get("guardian_email", "")
        asks_guardian = prefs.minor and wants_open and not prefs.guardian_confirmed
        if asks_guardian and not guardian_email:
            form.add_error(
                "guardian_email",
                _("Please give the email address of a parent or guardian."),
            )
        if form.is_valid():
            try:
                note_settings_update(
                    participant=participant,
                    open=wants_open,
                    words=data["words"],
                    digest=data["digest"],
                )
                if asks_guardian:
                    sent = note_guardian_request(
                        participant=participant, guardian_email=guardian_email
                    )
                    messages.info(
                        request,
                        _(
                            "We sent your parent or guardian a link. Notes open as "
                            "soon as they agree."
                        )
                        if sent
                        else _(
                            "We sent the email a few minutes ago. Please wait "
                            "before sending again."
                        ),
                    )
                else:
                    messages.success(request, _("Your choices are saved."))
            except ChallengeError as error:
                form.add_error(None, str(error.message))
            else:
                return redirect("challenge:notes_settings")
    return render(
        request,
        "challenge/notes_settings.html",
        {"form": form, "prefs": prefs, "blocks": blocks_for(participant)},
    )


@never_cache
@require_POST
@participant_required
def notes_guardian_resend(request):
    """The same guardian gets a new link (the previous one stops working)."""
    try:
        note_guardian_resend(participant=request.participant)
    except ChallengeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("We sent the email again."))
    return redirect("challenge:notes_settings")


@require_POST
@participant_required
def notes_unblock(request, pk: int):
    if note_unblock(owner=request.participant, block_id=pk):
        messages.success(request, _("Unblocked."))
    return redirect("challenge:notes_settings")


# --- Without logging in: the digest's unsubscribe link, the guardian's answer ---------


@never_cache
def notes_unsubscribe(request, token: str):
    """Works without logging in. Opening the link never changes anything (mail
    scanners open links): the button does."""
    try:
        if request.method == "POST":
            participant = notes_digest_unsubscribe(token=token)
        else:
            participant = participant_from_unsubscribe_token(token)
    except GuardianLinkError as error:
        # Not ours, or no longer valid: another address, or the digest switched off
        # and on again since this mail (services.notes.digest).
        context = {"error": error.message}
        status = HTTPStatus.NOT_FOUND if error.code == "invalid" else HTTPStatus.GONE
    else:
        context = {"done": request.method == "POST", "handle": participant.handle}
        status = HTTPStatus.OK
    response = render(
        request, "challenge/notes_unsubscribe.html", context, status=status
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def notes_guardian(request, token: str):
    """A guardian agrees (or not) that people may write notes under the child's
    entries. Opening the link never decides; the child's own session never answers."""
    context: dict = {"token": token}
    try:
        row = notes_guardian_from_token(token)
    except GuardianLinkError as error:
        context["error"] = error.message
        status = {
            "used": HTTPStatus.OK,
            "invalid": HTTPStatus.NOT_FOUND,
        }.get(error.code, HTTPStatus.GONE)
        return _guardian_page(request, context, status)
    context["handle"] = row.participant.handle
    context["own_session"] = (
        request.user.is_authenticated and request.user.pk == row.participant.user_id
    )
    if request.method == "POST":
        if context["own_session"]:
            context["error"] = _(
                "This answer must come from a parent or guardian, not from the "
                "account that asked. Nothing was recorded."
            )
            return _guardian_page(request, context, HTTPStatus.FORBIDDEN)
        confirm = request.POST.get("decision") == "confirm"
        try:
            note_guardian_decide(
                token=token,
                confirm=confirm,
                user=request.user,
                device_ids=device_ids(request),
            )
        except ConsentFromParticipant as error:
            context["error"] = error.message
            return _guardian_page(request, context, HTTPStatus.FORBIDDEN)
        except ChallengeError as error:
            context["error"] = error.message
            return _guardian_page(request, context, HTTPStatus.BAD_REQUEST)
        context["done"] = "confirmed" if confirm else "refused"
    return _guardian_page(request, context, HTTPStatus.OK)


def _guardian_page(request, context, status):
    response = render(request, "challenge/notes_guardian.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
