"""The challenge's own pages: what it is, its rules, and the participant's profile."""

from allauth.account.decorators import verified_email_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_request, override
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from campaign.selectors import (
    campaign_current,
    helplines_for,
    visitor_country,
    visitor_country_chosen,
)
from campaign.views import country_cookie_set
from core.countries import country_name
from core.operator import site_operator

from ..ages import (
    MINIMUM_AGE,
    OTHER_COUNTRY,
    SITE_CHOSEN_AGE,
    consent_age,
    country_choices,
    needs_guardian,
)
from ..errors import TooYoung
from ..forms import HandleForm, ProfileForm
from ..models import Prompt
from ..selectors.participants import participant_for
from ..services import participants as services
from .common import safe_next


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


def join(request):
    """/join, the short link under the wall's QR code: the challenge page in the
    language the visitor chose before (the language cookie) or their browser asks
    for, since the phone that scans it is not the screen that shows it."""
    language = get_language_from_request(request)
    with override(language):
        response = redirect("challenge:index")
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def rules(request):
    return render(
        request,
        "challenge/rules.html",
        {
            "minimum_age": MINIMUM_AGE,
            "consent_ages": [
                (name, consent_age(code), code in SITE_CHOSEN_AGE)
                for code, name in country_choices()
                if code != OTHER_COUNTRY
            ],
            "default_consent_age": consent_age(OTHER_COUNTRY),
            "operator": site_operator(),
        },
    )


@never_cache
@verified_email_required
@require_http_methods(["GET", "POST"])
def profile(request):
    participant = participant_for(request.user)
    next_url = safe_next(request, reverse("challenge:submit"))
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
                "country_name": country_name(participant.country),
            },
        )

    if _refused_before(request):
        return _too_young(request)
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
        except TooYoung:
            return _too_young(request)
        messages.success(request, _("Welcome! Your profile is ready."))
        response = redirect(next_url)
        if not visitor_country_chosen(request):
            # The helplines follow the country they gave, unless they chose one
            # in the help page's list before (that choice stays theirs).
            country_cookie_set(response, data["country"])
        return response
    return render(
        request,
        "challenge/profile_new.html",
        {"form": form, "next": next_url},
    )


def _refused_before(request) -> bool:
    """This browser, or one of this account's mailboxes, was turned away as under
    13 within AGE_GATE_MEMORY_DAYS: another birth year does not open the gate."""
    remembered = request.get_signed_cookie(
        services.AGE_GATE_COOKIE,
        default=None,
        salt=services.AGE_GATE_SALT,
        max_age=settings.AGE_GATE_MEMORY_DAYS * 24 * 3600,
    )
    return remembered is not None or services.age_gate_remembers(user=request.user)


def _too_young(request):
    """Nothing is kept (the account goes), the browser remembers the refusal."""
    user = request.user
    logout(request)
    services.account_delete_under_age(user=user)
    country = visitor_country(request)
    response = render(
        request,
        "challenge/too_young.html",
        {"minimum_age": MINIMUM_AGE, "helplines": list(helplines_for(country)[:3])},
    )
    response.set_signed_cookie(
        services.AGE_GATE_COOKIE,
        "1",
        salt=services.AGE_GATE_SALT,
        max_age=settings.AGE_GATE_MEMORY_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
    )
    return response
