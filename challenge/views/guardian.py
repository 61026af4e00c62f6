"""The guardian's page: no account needed, only the signed link."""

from http import HTTPStatus

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..errors import GuardianLinkError
from ..services import guardian as services


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
    except GuardianLinkError as error:
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
            except GuardianLinkError as error:
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
