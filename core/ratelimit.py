"""Rate limits for the whole site, on django-allauth's limiter.

allauth already limits login, signup and password reset with the real cache; the same
machinery (and the same `ACCOUNT_RATE_LIMITS` setting) limits our own actions: the
admin login, uploads, hearts and reports. Over the limit, every one of them answers
429 with the friendly templates/429.html page.
"""

from functools import wraps

from allauth.core import ratelimit
from django.http import HttpRequest, HttpResponse


def limit_or_429(request: HttpRequest, *, action: str, key=None) -> HttpResponse | None:
    """Count one `action` for this request; a 429 response when over the limit.

    Only POST (and other unsafe methods) count: reading a page is never limited.
    """
    return ratelimit.consume_or_429(request, action=action, key=key)


def rate_limited(action: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            return limit_or_429(request, action=action) or view(
                request, *args, **kwargs
            )

        return wrapper

    return decorator
