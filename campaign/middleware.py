from django.utils.cache import patch_vary_headers

from .selectors import VISITOR_COUNTRY_ATTRIBUTE


class VisitorCountryVaryMiddleware:
    """A page that looked up the visitor's country (the banner, the help page, an
    episode's helplines) depends on the country cookie and on Accept-Language: Vary
    says so, and no browser or shared cache hands one visitor's helpline to another
    (an en-GB visitor's Childline to one in Australia). Django's LocaleMiddleware
    adds no Vary on a URL that carries its language (/en/...), which all ours do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if hasattr(request, VISITOR_COUNTRY_ATTRIBUTE):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
