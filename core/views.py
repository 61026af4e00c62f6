from http import HTTPStatus

from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from .health import health_report


@never_cache
def healthz(request):
    report = health_report()
    status = HTTPStatus.OK if report["ok"] else HTTPStatus.SERVICE_UNAVAILABLE
    return JsonResponse(report, status=status)


def server_error(request):
    """The 500 page in the site's design and the visitor's language; if the page
    itself cannot be built (the database is down, say), a plain one that needs
    nothing but the template engine."""
    try:
        return render(request, "500.html", status=HTTPStatus.INTERNAL_SERVER_ERROR)
    except Exception:  # noqa: BLE001 - whatever broke the page may break this too
        return HttpResponseServerError(render_to_string("500_plain.html"))


def too_many_requests(request, exception=None):
    return render(request, "429.html", status=HTTPStatus.TOO_MANY_REQUESTS)


def bench_ping(request):
    """The benchmark's ceiling: the cheapest response this stack can give."""
    return HttpResponse(b"ok", content_type="text/plain")
