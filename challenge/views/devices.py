"""The participant's device cookie, read from requests and written on responses.

Set when a participant signs in (adapter.AccountAdapter.post_login), uploads
(views/submission.submit) or opens their guardian's consent page while signed in;
kept after logout, on purpose: logging out must not turn the child's browser into
their guardian's. Signed (salted), HttpOnly, SameSite=Lax, Secure on an https site.
"""

from allauth.account.adapter import get_adapter
from django.conf import settings

from ..devices import device_kind, network_hash
from ..services import devices as services
from ..services.guardian import AnswerOrigin


def device_ids(request) -> dict[int, str]:
    """The participants this browser was used by, as its signed cookie says ({} if
    there is none, or it was tampered with)."""
    value = request.get_signed_cookie(
        services.DEVICE_COOKIE,
        default=None,
        salt=services.DEVICE_SALT,
        max_age=services.device_cookie_max_age(),
    )
    return services.device_ids_parse(value)


def client_address(request) -> str:
    """The client's address as allauth's limits see it (ALLAUTH_TRUSTED_PROXY_COUNT
    behind a proxy)."""
    return get_adapter().get_client_ip(request) or ""


def device_remember(request, response, participant) -> None:
    """Record this browser and network for the participant and (re)set the cookie
    on `response`; does nothing for a participant who needs no guardian."""
    if participant is None:
        return
    ids = services.device_sighting_record(
        participant=participant,
        device_ids=device_ids(request),
        address=client_address(request),
    )
    if ids is None:
        return
    response.set_signed_cookie(
        services.DEVICE_COOKIE,
        services.device_ids_format(ids),
        salt=services.DEVICE_SALT,
        max_age=services.device_cookie_max_age(),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
    )


def answer_origin(request) -> AnswerOrigin:
    """Where a guardian's answer comes from, as services.guardian records it."""
    return AnswerOrigin(
        device_ids=device_ids(request),
        network=network_hash(client_address(request)),
        device=device_kind(request.headers.get("User-Agent", "")),
    )
