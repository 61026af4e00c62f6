"""The guardian's pages: no account needed, only the signed links.

- the consent page shows what the guardian agrees to (the video itself, through a
  media URL valid for that link only) and takes the answer;
- the revoke page withdraws a confirmed entry at any time.
"""

from http import HTTPStatus

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.operator import site_operator
from videos.views import private_processed_response

from ..errors import ConsentFromParticipant, GuardianLinkError
from ..services import guardian as services


def _private(response):
    """The tokens are in the URL: they must not leak to other sites through the
    Referer. "same-origin", not "no-referrer": under "no-referrer" browsers send
    `Origin: null` with the form's POST and Django's CSRF check refuses it."""
    response["Referrer-Policy"] = "same-origin"
    return response


def _consent_context(consent, token) -> dict:
    entry = consent.entry
    video = entry.video
    ready = video.status == video.Status.READY and bool(video.output)
    return {
        "consent": consent,
        "entry": entry,
        "video_url": (
            reverse("challenge:guardian_video", kwargs={"token": token})
            if ready
            else ""
        ),
        "poster_url": (
            reverse("challenge:guardian_poster", kwargs={"token": token})
            if video.poster
            else ""
        ),
        "video": video,
        "operator": site_operator(),
        "wait_days": settings.GUARDIAN_WAIT_DAYS,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def guardian(request, token):
    """A GET never decides: mail scanners open links. The guardian presses a button.

    The participant's own logged-in session never decides either: a child must not
    answer their guardian's mail for them (403, nothing recorded).
    """
    try:
        consent = services.guardian_consent_from_token(token)
    except GuardianLinkError as error:
        status = HTTPStatus.BAD_REQUEST if error.code == "invalid" else HTTPStatus.GONE
        return _private(
            render(request, "challenge/guardian.html", {"error": error}, status=status)
        )
    own_session = services.is_participants_own_session(
        consent=consent, user=request.user
    )
    if request.method == "POST":
        if own_session:
            return _own_session_refusal(request, consent)
        decision = request.POST.get("decision")
        if decision in {"confirm", "refuse"}:
            try:
                consent = services.guardian_decide(
                    token=token, confirm=decision == "confirm", user=request.user
                )
            except ConsentFromParticipant:
                return _own_session_refusal(request, consent)
            except GuardianLinkError as error:
                return _private(
                    render(
                        request,
                        "challenge/guardian.html",
                        {"error": error},
                        status=HTTPStatus.GONE,
                    )
                )
            return _private(
                render(
                    request,
                    "challenge/guardian_done.html",
                    {"consent": consent, "operator": site_operator()},
                )
            )
    context = _consent_context(consent, token)
    context["own_session"] = own_session
    return _private(render(request, "challenge/guardian.html", context))


def _own_session_refusal(request, consent):
    return _private(
        render(
            request,
            "challenge/guardian_refused_own.html",
            {
                "entry": consent.entry,
                "message": ConsentFromParticipant.message,
                "operator": site_operator(),
            },
            status=HTTPStatus.FORBIDDEN,
        )
    )


@never_cache
@require_safe
def guardian_media(request, token, field):
    """The entry's processed video or poster, for the holder of a live consent link
    only: the same signer and checks as the page (an invalid, expired, replaced or
    used link gets 404), never cached."""
    try:
        consent = services.guardian_consent_from_token(token)
    except GuardianLinkError:
        raise Http404 from None
    return _private(private_processed_response(request, consent.entry.video, field))


@never_cache
@require_http_methods(["GET", "POST"])
def guardian_revoke(request, token):
    """One click shows what would be withdrawn; the button withdraws it. Works at any
    time, without an account, and as often as the guardian presses it."""
    try:
        consent = services.consent_from_revoke_token(token)
    except GuardianLinkError as error:
        return _private(
            render(
                request,
                "challenge/guardian_revoke.html",
                {"error": error},
                status=HTTPStatus.NOT_FOUND,
            )
        )
    entry = consent.entry
    if request.method == "POST":
        entry = services.guardian_revoke(token=token)
        return _private(
            render(
                request,
                "challenge/guardian_revoke.html",
                {"entry": entry, "done": True, "operator": site_operator()},
            )
        )
    return _private(
        render(
            request,
            "challenge/guardian_revoke.html",
            {
                "entry": entry,
                "handle": entry.participant.handle,
                "already": entry.state == entry.State.WITHDRAWN,
                "public": entry.state == entry.State.APPROVED,
                "operator": site_operator(),
            },
        )
    )
