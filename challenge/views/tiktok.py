"""Adding your own TikTok video: the one-time code, then the link."""

from http import HTTPStatus

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.ratelimit import limit_or_429

from ..ages import needs_guardian
from ..errors import ChallengeError
from ..forms import TikTokCodeForm, TikTokEntryForm
from ..models import Entry
from ..selectors.participants import account_addresses
from ..services import submission
from ..services import tiktok as services
from .common import participant_required
from .devices import device_remember


def _entry_form(request, data=None):
    minor = needs_guardian(request.participant)
    return TikTokEntryForm(
        data,
        needs_guardian=minor,
        account_emails=account_addresses(request.user) if minor else (),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@participant_required
def tiktok_add(request):
    participant = request.participant
    cannot_submit = None
    try:
        submission.check_can_submit(participant=participant)
    except ChallengeError as error:
        cannot_submit = error
    code_form = TikTokCodeForm()
    entry_form = _entry_form(request)
    status = HTTPStatus.OK
    if request.method == "POST" and cannot_submit is None:
        limited = limit_or_429(request, action="tiktok_add")
        if limited is not None:
            return limited
        if request.POST.get("step") == "code":
            code_form = TikTokCodeForm(request.POST)
            if code_form.is_valid():
                services.tiktok_claim_start(
                    participant=participant,
                    handle=code_form.cleaned_data["tiktok_handle"],
                )
                return redirect("challenge:tiktok_add")
            status = HTTPStatus.BAD_REQUEST
        else:
            entry_form = _entry_form(request, request.POST)
            if entry_form.is_valid():
                data = entry_form.cleaned_data
                try:
                    entry = services.entry_tiktok_add(
                        participant=participant,
                        link=data["link"],
                        prompt=data["prompt"],
                        language=data["language"],
                        guardian_email=data.get("guardian_email", ""),
                    )
                except ChallengeError as error:
                    entry_form.add_error(None, error.message)
                    # TikTok's bad answer is not this site's gateway failing.
                    status = (
                        HTTPStatus.BAD_REQUEST
                        if error.status == HTTPStatus.BAD_GATEWAY
                        else error.status
                    )
                else:
                    response = redirect("challenge:my_entries")
                    device_remember(request, response, participant)
                    if entry.state == Entry.State.DRAFT:
                        messages.success(
                            request,
                            _(
                                "Thank you! We have emailed your parent or guardian. "
                                "Your entry is sent to our team as soon as they "
                                "confirm."
                            ),
                        )
                    else:
                        messages.success(
                            request,
                            _(
                                "Thank you! Your TikTok video is waiting for review "
                                "by our team. You can take the code out of its "
                                "description now."
                            ),
                        )
                    return response
            else:
                status = HTTPStatus.BAD_REQUEST
    claim = services.tiktok_claim_open(participant=participant)
    return render(
        request,
        "challenge/tiktok_add.html",
        {
            "participant": participant,
            "cannot_submit": cannot_submit,
            "claim": claim,
            "code_form": code_form,
            "form": entry_form,
            "needs_guardian": entry_form.needs_guardian,
        },
        status=status,
    )
