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
