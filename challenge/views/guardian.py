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

from ..errors import (
    ConsentFromParticipant,
    ConsentFromParticipantDevice,
    GuardianLinkError,
)
from ..models import TikTokPost
from ..services import guardian as services
from .devices import answer_origin, device_remember

DECISIONS = ("confirm", "refuse")


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
        # A TikTok post: the guardian watches it on TikTok's player, on a press.
        "tiktok": TikTokPost.objects.filter(entry=entry).first(),
        "operator": site_operator(),
        "wait_days": settings.GUARDIAN_WAIT_DAYS,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def guardian(request, token):
    """A GET never decides: mail scanners open links. The guardian presses a button.

    The participant never decides for their guardian: not from their logged-in
    session, nor from a browser they signed in or uploaded from, logged out since
    (403, nothing decided; services.guardian.guardian_decide). Opening the page
    signed in as the participant marks this browser as theirs, so that logging out
    and coming back does not open the buttons.
    """
    try:
        consent = services.guardian_consent_from_token(token)
    except GuardianLinkError as error:
        status = HTTPStatus.BAD_REQUEST if error.code == "invalid" else HTTPStatus.GONE
        return _private(
            render(request, "challenge/guardian.html", {"error": error}, status=status)
        )
    origin = answer_origin(request)
    if request.method == "POST" and request.POST.get("decision") in DECISIONS:
        try:
            consent = services.guardian_decide(
                token=token,
                confirm=request.POST["decision"] == "confirm",
                user=request.user,
                origin=origin,
            )
        except ConsentFromParticipant as refusal:
            return _own_refusal(request, consent, refusal)
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
    own_session = services.is_participants_own_session(
        consent=consent, user=request.user
    )
    context = _consent_context(consent, token)
    context["own_session"] = own_session
    context["refusal"] = services.guardian_answer_refusal(
        consent=consent, user=request.user, origin=origin
    )
    response = render(request, "challenge/guardian.html", context)
    if own_session:
        device_remember(request, response, consent.entry.participant)
    return _private(response)


def _own_refusal(request, consent, refusal):
    return _private(
        render(
            request,
            "challenge/guardian_refused_own.html",
            {
                "entry": consent.entry,
                "message": refusal.message,
                "own_session": not isinstance(refusal, ConsentFromParticipantDevice),
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
