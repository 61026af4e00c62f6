from django.utils.cache import patch_cache_control

from .outage import DATABASE_DOWN


class SecurityHeadersMiddleware:
    """Headers Django and django-csp do not set themselves."""

    PERMISSIONS_POLICY = (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
        "interest-cohort=()"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def allow_camera(response):
    """The page records with the camera and microphone (its own origin only); every
    other page keeps them off (SecurityHeadersMiddleware does not overwrite)."""
    response["Permissions-Policy"] = (
        SecurityHeadersMiddleware.PERMISSIONS_POLICY.replace(
            "camera=()", "camera=(self)"
        ).replace("microphone=()", "microphone=(self)")
    )
    return response


class PersonalPagesMiddleware:
    """No browser or proxy keeps a page that may show personal data.

    Every answer to a signed-in person, and allauth's account pages (sign-in,
    password, addresses) for anyone, are sent `private, no-store`: on a shared
    computer at school, the next child cannot bring them back with Back or find
    them in the disk cache. An answer its view made public (the feed, the widget,
    public media) is the same for everyone and is left as it is.
    Runs inside AuthenticationMiddleware (it reads request.user).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not _is_public(response) and _is_personal(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _is_public(response) -> bool:
    directives = response.get("Cache-Control", "").split(",")
    return "public" in {directive.strip().lower() for directive in directives}


def _is_personal(request) -> bool:
    match = request.resolver_match
    if match is not None and (match.url_name or "").startswith("account_"):
        return True
    user = getattr(request, "user", None)
    try:
        return user is not None and user.is_authenticated
    except DATABASE_DOWN:
        # The session could not be read (core/outage.py serves the help page's
        # copy to anyone meanwhile): whoever it is, nothing keeps the answer.
        return True
