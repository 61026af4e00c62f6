from functools import wraps
from http import HTTPStatus

from allauth.account.decorators import verified_email_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from campaign.ratelimit import limit_or_429
from campaign.selectors import campaign_current, helplines_for, visitor_country

from . import privacy, services
from .ages import COUNTRIES, MINIMUM_AGE, consent_age, needs_guardian
from .forms import AccountDeleteForm, EntryForm, HandleForm, NudgeForm, ProfileForm
from .models import Entry, Prompt
from .selectors import (
    entries_for_participant,
    entry_for_participant,
    entry_status,
    participant_for,
    pending_nudge_for_participant,
)
from .uploads import install_upload_handlers


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def participant_required(view):
    """A verified email and a completed profile, else the profile step first."""

    @verified_email_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        participant = participant_for(request.user)
        if participant is None:
            if _wants_json(request):
                return JsonResponse(
                    {"ok": False, "message": _("Please complete your profile first.")},
                    status=HTTPStatus.FORBIDDEN,
                )
            return redirect(
                f"{reverse('challenge:profile')}?next={request.get_full_path()}"
            )
        request.participant = participant
        return view(request, *args, **kwargs)

    return wrapper


def _campaign_state():
    campaign = campaign_current()
    return campaign, (campaign.phase() if campaign else None)


def index(request):
    campaign, phase = _campaign_state()
    participant = participant_for(request.user)
    return render(
        request,
        "challenge/index.html",
        {
            "phase": phase,
            "participant": participant,
            "prompts": Prompt.choices,
        },
    )


def rules(request):
    return render(
        request,
        "challenge/rules.html",
        {
            "minimum_age": MINIMUM_AGE,
            "consent_ages": [
                (name, consent_age(code)) for code, name in COUNTRIES if code != "ZZ"
            ],
            "default_consent_age": consent_age("ZZ"),
        },
    )


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@verified_email_required
@require_http_methods(["GET", "POST"])
def profile(request):
    participant = participant_for(request.user)
    next_url = _safe_next(request, reverse("challenge:submit"))
    if participant is not None:
        form = HandleForm(request.POST or None, participant=participant)
        if request.method == "POST" and form.is_valid():
            services.participant_update(
                participant=participant, handle=form.cleaned_data["handle"]
            )
            messages.success(request, _("Your handle is saved."))
            return redirect("challenge:profile")
        return render(
            request,
            "challenge/profile.html",
            {
                "form": form,
                "participant": participant,
                "needs_guardian": needs_guardian(participant),
                "country_name": dict(COUNTRIES).get(participant.country, ""),
            },
        )

    form = ProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.participant_create(
                user=request.user,
                handle=data["handle"],
                birth_year=data["birth_year"],
                birth_month=data["birth_month"],
                country=data["country"],
                language=(request.LANGUAGE_CODE or "en")[:2],
            )
        except services.TooYoung:
            user = request.user
            logout(request)
            services.account_delete_under_age(user=user)
            country = visitor_country(request)
            return render(
                request,
                "challenge/too_young.html",
                {
                    "minimum_age": MINIMUM_AGE,
                    "helplines": list(helplines_for(country)[:3]),
                },
            )
        messages.success(request, _("Welcome! Your profile is ready."))
        return redirect(next_url)
    return render(
        request,
        "challenge/profile_new.html",
        {"form": form, "next": next_url},
    )


# Submitting -------------------------------------------------------------------------


@csrf_exempt
@participant_required
def submit(request):
    """Install the streaming, size-limited upload handlers before anything reads the
    body (CsrfViewMiddleware would), then check CSRF in the inner view."""
    cannot_submit = None
    try:
        services.check_can_submit(participant=request.participant)
    except services.ChallengeError as error:
        cannot_submit = error
    limiter = None
    if request.method == "POST":
        limiter = install_upload_handlers(
            request, refuse_files=cannot_submit is not None
        )
    return _submit(request, cannot_submit=cannot_submit, limiter=limiter)


def _submit_context(request, form, cannot_submit, **extra):
    return {
        "form": form,
        "max_bytes": settings.VIDEO_MAX_UPLOAD_BYTES,
        "max_mb": settings.VIDEO_MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_minutes": max(1, settings.VIDEO_MAX_DURATION_SECONDS // 60),
        "cannot_submit": cannot_submit,
        "participant": request.participant,
        "needs_guardian": form.needs_guardian,
        **extra,
    }


def _form_errors_json(form, status=HTTPStatus.BAD_REQUEST, message=""):
    errors = {
        field: [str(error) for error in errors] for field, errors in form.errors.items()
    }
    return JsonResponse(
        {
            "ok": False,
            "message": message or _("Please check the form: something is missing."),
            "errors": errors,
        },
        status=status,
    )


@csrf_protect
@require_http_methods(["GET", "POST"])
def _submit(request, *, cannot_submit, limiter):
    participant = request.participant
    minor = needs_guardian(participant)
    form_kwargs = {"needs_guardian": minor, "account_email": request.user.email or ""}
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
    if cannot_submit is not None:
        form.errors.pop("video", None)
        form.add_error(None, cannot_submit.message)
        valid = False
        status = HTTPStatus.FORBIDDEN
    if valid:
        data = form.cleaned_data
        try:
            result = services.entry_upload(
                participant=participant,
                file=data["video"],
                caption=data["caption"],
                prompt=data["prompt"],
                language=data["language"],
                submission_token=data["submission_token"],
                guardian_email=data.get("guardian_email", ""),
            )
        except services.ChallengeError as error:
            form.add_error(None, error.message)
            status = HTTPStatus.FORBIDDEN
        else:
            return _after_upload(request, result)
    if _wants_json(request):
        return _form_errors_json(form, status=max(status, HTTPStatus.BAD_REQUEST))
    return render(
        request,
        "challenge/submit.html",
        _submit_context(request, form, cannot_submit),
        status=HTTPStatus.OK if status == HTTPStatus.OK else status,
    )


def _after_upload(request, result):
    if result.nudge is not None and result.entry is None:
        url = reverse("challenge:nudge", kwargs={"pk": result.nudge.pk})
        if result.nudge.outcome != result.nudge.Outcome.PENDING:
            url = reverse("challenge:submit")
        if _wants_json(request):
            return JsonResponse({"ok": True, "redirect": url})
        return redirect(url)
    entry = result.entry
    if _wants_json(request):
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
        messages.success(
            request,
            _(
                "Thank you! Your video is being processed, then our team will "
                "review it."
            ),
        )
    return redirect("challenge:my_entries")


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
        except services.ChallengeError as error:
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


@participant_required
def my_entries(request):
    entries = list(entries_for_participant(request.participant))
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


@participant_required
@require_POST
def guardian_resend(request, pk):
    entry = entry_for_participant(request.participant, pk)
    if entry is None:
        raise Http404
    try:
        services.guardian_consent_resend(entry=entry)
    except services.ChallengeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("We sent the email again."))
    return redirect("challenge:my_entries")


# Guardian consent (no account needed) -------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def guardian(request, token):
    """A GET never decides: mail scanners open links. The guardian presses a button.

    The token must not leak to other sites through the Referer, but the policy is
    "same-origin", not "no-referrer": under "no-referrer" browsers send
    `Origin: null` with the form's POST and Django's CSRF check refuses it.
    """
    try:
        consent = services.guardian_consent_from_token(token)
    except services.GuardianLinkError as error:
        status = HTTPStatus.BAD_REQUEST if error.code == "invalid" else HTTPStatus.GONE
        response = render(
            request, "challenge/guardian.html", {"error": error}, status=status
        )
        response["Referrer-Policy"] = "same-origin"
        return response
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision in {"confirm", "refuse"}:
            try:
                consent = services.guardian_decide(
                    token=token, confirm=decision == "confirm"
                )
            except services.GuardianLinkError as error:
                return render(
                    request,
                    "challenge/guardian.html",
                    {"error": error},
                    status=HTTPStatus.GONE,
                )
            return render(request, "challenge/guardian_done.html", {"consent": consent})
    response = render(
        request,
        "challenge/guardian.html",
        {"consent": consent, "entry": consent.entry},
    )
    response["Referrer-Policy"] = "same-origin"
    return response


# Privacy: a participant's own data ----------------------------------------------


@never_cache
@login_required
def my_data(request):
    """What we keep about you, a download of it, and deleting your account."""
    return render(
        request,
        "challenge/my_data.html",
        {"retention": privacy.retention_days()},
    )


@require_POST
@login_required
def my_data_download(request):
    path = privacy.participant_export_zip(user=request.user)
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data readable until it is sent
    return FileResponse(
        handle,
        as_attachment=True,
        filename="kindness-hub-my-data.zip",
        content_type="application/zip",
    )


@never_cache
@login_required
def account_delete(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        privacy.account_delete(user=request.user)
        logout(request)
        messages.success(
            request,
            _("Your account, your entries and all their files have been deleted."),
        )
        return redirect("campaign:home")
    return render(request, "challenge/account_delete.html", {"form": form})
