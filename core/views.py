from http import HTTPStatus

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .health import health_report


@never_cache
def healthz(request):
    report = health_report()
    status = HTTPStatus.OK if report["ok"] else HTTPStatus.SERVICE_UNAVAILABLE
    return JsonResponse(report, status=status)


def too_many_requests(request, exception=None):
    return render(request, "429.html", status=HTTPStatus.TOO_MANY_REQUESTS)


def bench_ping(request):
    """The benchmark's ceiling: the cheapest response this stack can give."""
    return HttpResponse(b"ok", content_type="text/plain")
