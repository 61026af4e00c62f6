"""What the challenge's views share: JSON-or-HTML answers, the participant gate and
safe redirects."""

from functools import wraps
from http import HTTPStatus

from allauth.account.decorators import verified_email_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ..selectors.participants import participant_for


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def participant_required(view):
    """A verified email and a completed profile, else the profile step first."""

    @verified_email_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        participant = participant_for(request.user)
        if participant is None:
            if wants_json(request):
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


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
