"""Rate limits for the whole site, on django-allauth's limiter.

allauth already limits login, signup and password reset with the real cache; the same
machinery (and the same `ACCOUNT_RATE_LIMITS` setting) limits our own actions: the
admin login's failures, uploads, hearts and reports. Over the limit, every one of them answers
429 with the friendly templates/429.html page.
"""

from functools import wraps

from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from django.http import HttpRequest, HttpResponse


def limit_or_429(request: HttpRequest, *, action: str, key=None) -> HttpResponse | None:
    """Count one `action` for this request; a 429 response when over the limit.

    Only POST (and other unsafe methods) count: reading a page is never limited.
    """
    return ratelimit.consume_or_429(request, action=action, key=key)


def limit_key_consume(*, action: str, key: str, dry_run: bool = False) -> bool:
    """Count one `action` for `key` where no request is at hand (a service acting
    for someone, a task): False when over the limit. The action's rates must all be
    per key (`…/key`): there is no address or session to count by.

    With `dry_run`, only say whether one more would be allowed.
    """
    # allauth's limiter reads the method only (GET is never counted); per-key rates
    # use nothing else of the request.
    request = HttpRequest()
    request.method = "POST"
    return ratelimit.consume(request, action=action, key=key, dry_run=dry_run)


def login_failures_limited(action: str, *, login_field: str = "username"):
    """Limit a log-in view by its *failures*, keyed by the account and the address:
    `<action>_failed` counts failed attempts per account name and client address
    together, `<action>_failed_account` per account name from anywhere, and
    `<action>_failed_address` per address whatever the account (a high bar, against
    guessing many accounts). A successful log-in counts nothing, and one person's
    typos never shut out the others who share their office's address. Over a limit
    the form answers 429 before the password is checked. A failure is the form shown
    again (200); success redirects.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST":
                return view(request, *args, **kwargs)
            account = (request.POST.get(login_field) or "").strip().casefold()
            address = get_adapter().get_client_ip(request)
            limits = (
                (f"{action}_failed", f"{account}|{address}"),
                (f"{action}_failed_account", account),
                (f"{action}_failed_address", address),
            )
            for limit, key in limits:
                if not ratelimit.consume(request, action=limit, key=key, dry_run=True):
                    return ratelimit.respond_429(request)
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                for limit, key in limits:
                    ratelimit.consume(request, action=limit, key=key)
            return response

        return wrapper

    return decorator
