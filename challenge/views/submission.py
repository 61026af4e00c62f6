"""Sending an entry and following it: the upload, the kindness nudge, my entries."""

import datetime as dt
from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from core.middleware import allow_camera
from core.ratelimit import limit_or_429

from ..ages import needs_guardian
from ..errors import ChallengeError, UploadNoRoom
from ..forms import EntryForm, NudgeForm
from ..models import Entry
from ..selectors.dashboard import typical_review_time
from ..selectors.notes import note_counts_for
from ..selectors.participants import (
    account_addresses,
    entries_for_participant,
    entry_for_participant,
    entry_status,
    pending_nudge_for_participant,
)
from ..services import guardian as guardian_services
from ..services import submission as services
from ..services import uploads as upload_services
from .common import participant_required, wants_json
from .devices import device_remember
from .uploads import install_upload_handlers


@never_cache
@csrf_exempt
@participant_required
def submit(request):
    """Install the streaming, size-limited upload handlers before anything reads the
    body (CsrfViewMiddleware would), then check CSRF in the inner view."""
    cannot_submit = None
    try:
        services.check_can_submit(participant=request.participant)
    except ChallengeError as error:
        cannot_submit = error
    limiter = None
    if request.method == "POST":
        limiter = install_upload_handlers(
            request, refuse_files=cannot_submit is not None
        )
    response = _submit(request, cannot_submit=cannot_submit, limiter=limiter)
    if request.method == "POST":
        # The browser a child uploads from can never answer for their guardian.
        device_remember(request, response, request.participant)
    return allow_camera(response)


@never_cache
@require_POST
@participant_required
def caption_check(request):
    """The kindness nudge while a caption or a note is typed (static/js/nudge.js),
    before anything is sent: the watched phrases in it, by the same check the upload
    and the note make (which still ask when they stay). Advice only: nothing is
    stored."""
    limited = limit_or_429(request, action="caption_check")
    if limited is not None:
        return limited
    caption = request.POST.get("text", request.POST.get("caption", ""))
    return JsonResponse({"phrases": services.caption_nudge_phrases(caption)})


def _review_time_text() -> str:
    wait = typical_review_time()
    if wait is None:
        return ""
    now = timezone.now()
    return timesince(now - max(wait, dt.timedelta(minutes=1)), now, depth=1)


def _counter_words() -> dict:
    """The caption counter's words, both plural forms for the page's script (which
    picks one with Intl.PluralRules; in en, it, fr and de, 1 reads as "one")."""
    left = ("%(n)s character left", "%(n)s characters left")
    over = ("%(n)s character too many", "%(n)s characters too many")
    return {
        "left_one": ngettext(*left, 1),
        "left_other": ngettext(*left, 2),
        "over_one": ngettext(*over, 1),
        "over_other": ngettext(*over, 2),
    }


def _submit_context(request, form, cannot_submit, **extra):
    return {
        "form": form,
        "max_bytes": settings.VIDEO_MAX_UPLOAD_BYTES,
        "max_mb": settings.VIDEO_MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_minutes": max(1, settings.VIDEO_MAX_DURATION_SECONDS // 60),
        "max_seconds": settings.VIDEO_MAX_DURATION_SECONDS,
        "chunk_bytes": settings.RESUMABLE_UPLOAD_CHUNK_BYTES,
        "review_time": _review_time_text(),
        "counter_words": _counter_words(),
        "cannot_submit": cannot_submit,
        "participant": request.participant,
        "needs_guardian": form.needs_guardian,
        **extra,
    }


def _summary(form) -> str:
    """The form's summary line: "missing" only when an answer is."""
    missing = any(
        error.code == "required"
        for errors in form.errors.as_data().values()
        for error in errors
    )
    if missing:
        return _("Please check the form: something is missing.")
    return _("Please check the form: something needs changing.")


def _form_errors_json(form, status=HTTPStatus.BAD_REQUEST, message=""):
    errors = {
        field: [str(error) for error in errors] for field, errors in form.errors.items()
    }
    return JsonResponse(
        {
            "ok": False,
            "message": message or _summary(form),
            "errors": errors,
        },
        status=status,
    )


@csrf_protect
@require_http_methods(["GET", "POST"])
def _submit(request, *, cannot_submit, limiter):
    participant = request.participant
    minor = needs_guardian(participant)
    form_kwargs = {
        "needs_guardian": minor,
        "account_emails": account_addresses(request.user) if minor else (),
    }
    if request.method == "GET":
        return render(
            request,
            "challenge/submit.html",
            _submit_context(request, EntryForm(**form_kwargs), cannot_submit),
        )

    limited = limit_or_429(request, action="upload")
    if limited is not None:
        return limited
    form = EntryForm(request.POST, request.FILES, **form_kwargs)
    valid = form.is_valid()
    status = HTTPStatus.OK
    # "Try again later" (no room on the disk): said as it is, with Retry-After.
    retry_after, later = None, ""
    if limiter.too_large:
        form.errors.pop("video", None)
        form.add_error(
            "video",
            _(
                "This file is larger than %(size)s MB, the most we accept. Please "
                "choose a shorter or smaller video."
            )
            % {"size": limiter.max_bytes // (1024 * 1024)},
        )
        valid = False
        status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    if limiter.no_room:
        form.errors.pop("video", None)
        form.add_error(None, UploadNoRoom.message)
        valid = False
        status = HTTPStatus.SERVICE_UNAVAILABLE
        retry_after, later = UploadNoRoom.retry_after_seconds, UploadNoRoom.message
    if cannot_submit is not None:
        form.errors.pop("video", None)
        form.add_error(None, cannot_submit.message)
        valid = False
        status = HTTPStatus.FORBIDDEN
    if valid:
        data = form.cleaned_data
        fields = {
            "participant": participant,
            "caption": data["caption"],
            "prompt": data["prompt"],
            "language": data["language"],
            "submission_token": data["submission_token"],
            "guardian_email": data.get("guardian_email", ""),
        }
        try:
            if data["video"]:
                result = services.entry_upload(file=data["video"], **fields)
            else:
                result = upload_services.entry_upload_resumable(
                    upload_id=data["upload"], **fields
                )
        except ChallengeError as error:
            form.add_error(None, error.message)
            status = error.status
            retry_after = getattr(error, "retry_after_seconds", None)
            if retry_after is not None:
                later = error.message
        else:
            return _after_upload(request, result)
    if wants_json(request):
        response = _form_errors_json(
            form, status=max(status, HTTPStatus.BAD_REQUEST), message=str(later)
        )
    else:
        response = render(
            request,
            "challenge/submit.html",
            _submit_context(request, form, cannot_submit),
            status=HTTPStatus.OK if status == HTTPStatus.OK else status,
        )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _after_upload(request, result):
    if result.nudge is not None and result.entry is None:
        url = reverse("challenge:nudge", kwargs={"pk": result.nudge.pk})
        if result.nudge.outcome != result.nudge.Outcome.PENDING:
            url = reverse("challenge:submit")
        if wants_json(request):
            return JsonResponse({"ok": True, "redirect": url})
        return redirect(url)
    # Read again as "My entries" shows it (with its place in the queue). A form sent
    # twice after the entry was withdrawn finds nothing: the list says what is left.
    entry = entry_for_participant(request.participant, result.entry.pk)
    if entry is None:
        url = reverse("challenge:my_entries")
        if wants_json(request):
            return JsonResponse({"ok": True, "redirect": url})
        return redirect(url)
    if wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "duplicate": result.duplicate,
                "entry": entry_status(entry),
                "status_url": reverse(
                    "challenge:entry_status", kwargs={"pk": entry.pk}
                ),
                "next": reverse("challenge:my_entries"),
            }
        )
    if result.duplicate:
        messages.info(request, _("We had already received this entry: it is below."))
    elif entry.state == Entry.State.DRAFT:
        messages.success(
            request,
            _(
                "Thank you! We have emailed your parent or guardian. Your entry is "
                "sent to our team as soon as they confirm."
            ),
        )
    else:
        messages.success(request, _thanks(entry))
    return redirect("challenge:my_entries")


def _thanks(entry) -> str:
    """Thanks in the words of the entry's state now, as its card below says it: a
    video held by "think before you post" was processed while it waited."""
    if entry.state == Entry.State.PENDING_REVIEW:
        return _("Thank you! Your video is waiting for review by our team.")
    if entry.state == Entry.State.FAILED:
        return _(
            "Thank you! Your entry is saved, but its video could not be processed: "
            "see why below."
        )
    return _("Thank you! Your video is being processed, then our team will review it.")


@never_cache
@participant_required
@require_http_methods(["GET", "POST"])
def nudge(request, pk):
    participant = request.participant
    held = pending_nudge_for_participant(participant, pk)
    if held is None:
        return redirect("challenge:my_entries")
    form = NudgeForm(request.POST or None, initial={"caption": held.caption})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.nudge_decide(
                nudge_id=held.pk,
                participant=participant,
                choice=form.cleaned_data["choice"],
                caption=form.cleaned_data.get("caption") or "",
            )
        except ChallengeError as error:
            form.add_error(None, error.message)
        else:
            if result.entry is not None:
                return _after_upload(request, result)
            if result.nudge.outcome == result.nudge.Outcome.CANCELLED:
                messages.info(
                    request,
                    _("Your entry was cancelled and your video deleted."),
                )
                return redirect("challenge:submit")
            held = result.nudge
            form = NudgeForm(initial={"caption": held.caption})
            form.still_hurtful = True
    return render(request, "challenge/nudge.html", {"nudge": held, "form": form})


# My entries -------------------------------------------------------------------------


@never_cache
@participant_required
def my_entries(request):
    entries = list(entries_for_participant(request.participant))
    note_counts = note_counts_for(request.participant)
    for entry in entries:
        entry.note_count = note_counts.get(entry.pk, 0)
    return render(
        request,
        "challenge/my_entries.html",
        {
            "entries": [(entry, entry_status(entry)) for entry in entries],
            "participant": request.participant,
        },
    )


@never_cache
@participant_required
def entry_status_json(request, pk):
    entry = entry_for_participant(request.participant, pk)
    if entry is None:
        raise Http404
    return JsonResponse(entry_status(entry))


@participant_required
def entry_poster(request, pk):
    """The participant's own poster, before and after review; nobody else's."""
    entry = entry_for_participant(request.participant, pk)
    if entry is None or not entry.video.poster:
        raise Http404
    response = FileResponse(entry.video.poster.open("rb"), content_type="image/webp")
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@participant_required
@require_http_methods(["GET", "POST"])
def entry_withdraw(request, pk):
    entry = entry_for_participant(request.participant, pk)
    if entry is None:
        raise Http404
    if request.method == "POST":
        services.entry_withdraw(entry=entry, actor=request.user)
        messages.success(
            request, _("Your entry was withdrawn and its video deleted for good.")
        )
        return redirect("challenge:my_entries")
    return render(request, "challenge/withdraw_confirm.html", {"entry": entry})


@never_cache
@participant_required
@require_POST
def guardian_resend(request, pk):
    entry = entry_for_participant(request.participant, pk)
    if entry is None:
        raise Http404
    try:
        guardian_services.guardian_consent_resend(entry=entry)
    except ChallengeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("We sent the email again."))
    return redirect("challenge:my_entries")
