"""While the database cannot be reached: public pages from their kept copy, a 503
page everywhere else.

Two pieces, each with one home:

- `database_unavailable(request)`: the answer to any request that met
  `OperationalError`/`InterfaceError` (Django wraps every driver error in these):
  503 with `Retry-After`, in the visitor's language, built without a query.
  `core.views.server_error` (the site's handler500) calls it, so an error raised
  by a view or by any middleware lands here and never as a 500.
- `@kept_for_outages(...)` on the public pages (home, stories, episodes, gallery,
  entries, help): every successful answer to a visitor without a session leaves a
  copy in the cache (at most once a minute per page and generation); while the
  database is away, the same visitor gets that copy. The copy holds a placeholder
  where the page had a CSRF token: each visitor gets their own.

Copies are made from, and served to, visitors whose request needs nothing from the
database: no session cookie (so no session to load, no user, no messages in the
session), no `messages` cookie. Their country and banner choice are cookies, part of
the key. The help page alone goes to signed-in visitors too (`anyone=True`).
"""

import hashlib
import logging
import sys
import time
from functools import wraps
from http import HTTPStatus

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .csrf import csrf_placeholder_fill, csrf_placeholder_put

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)

COPY_KEY = "outage:copy:{}"
COPY_FRESH_KEY = "outage:fresh:{}:{}"
# Set (to True) on a response a view served from a page cache of its own.
SERVED_FROM_CACHE = "kh_served_from_cache"

# When this process last met the database down (time.monotonic()): for the next
# DATABASE_DOWN_HOLD_SECONDS, a page with a copy is served from it without trying
# the database first (a network that drops packets makes every try wait for the
# connect timeout).
_down_since: float | None = None


def is_database_down(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_DOWN)


def database_error_now() -> bool:
    """Inside an `except` block (handler500): is it the database being away?"""
    return is_database_down(sys.exc_info()[1])


def database_down_noted() -> None:
    global _down_since
    _down_since = time.monotonic()


def _database_recently_down() -> bool:
    return (
        _down_since is not None
        and time.monotonic() - _down_since < settings.DATABASE_DOWN_HOLD_SECONDS
    )


def database_wait(*, timeout: float, every: float = 1.0) -> bool:
    """Block until the default database answers again (True), or `timeout` seconds
    pass (False). For a worker: what it was doing waits, nothing is dropped."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    while True:
        connection.close()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except DATABASE_DOWN:
            if time.monotonic() >= deadline:
                return False
            time.sleep(every)


# --- The 503 page -------------------------------------------------------------------


def _message() -> str:
    return _(
        "Part of our site is taking a short break. Nothing you saved is lost. "
        "Please try again in a few minutes."
    )


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After, in the visitor's language, without a query."""
    database_down_noted()
    if "Tus-Resumable" in request.headers:
        response = HttpResponse(
            _message(),
            status=HTTPStatus.SERVICE_UNAVAILABLE,
            content_type="text/plain; charset=utf-8",
        )
        response["Tus-Resumable"] = "1.0.0"
    elif "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {"ok": False, "message": _message()},
            status=HTTPStatus.SERVICE_UNAVAILABLE,
        )
    else:
        response = HttpResponse(_page(request), status=HTTPStatus.SERVICE_UNAVAILABLE)
    response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


def _page(request) -> str:
    try:
        return render_to_string("503.html", _context_without_database(request))
    except Exception:  # noqa: BLE001 - the page must come out whatever else broke
        logger.exception("the 503 page could not be built; sending the plain one")
        return render_to_string("503_plain.html", {"LANGUAGE_CODE": get_language()})


def _context_without_database(request) -> dict:
    """What base.html needs, from every context processor that answers without the
    database (the banner's snapshot comes from the cache when it is there); the
    person is shown as signed out and no message is read, as both live in the
    session's row."""
    context: dict = {}
    for processor in engines["django"].engine.template_context_processors:
        try:
            context.update(processor(request))
        except DATABASE_DOWN:
            continue
    context.update(
        user=AnonymousUser(),
        messages=(),
        perms=None,
        request=request,
        csrf_token=get_token(request),
    )
    return context


# --- Copies of public pages ------------------------------------------------------


def _has_session(request) -> bool:
    return (
        settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES
    )


def _copy_key(request, *, anyone: bool = False) -> str | None:
    """The page as this visitor sees it, or None when the visitor has a session
    (loading it needs the database) or messages waiting; with `anyone`, the page
    as a visitor without them sees it."""
    if request.method not in ("GET", "HEAD"):
        return None
    if _has_session(request) and not anyone:
        return None
    left_out = {settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_NAME, "messages"}
    cookies = sorted(
        (name, value) for name, value in request.COOKIES.items() if name not in left_out
    )
    # Everything the page may depend on: host, path and query, language, cookies
    # (country, banner), and the browser's languages (the country is guessed from
    # them when none was chosen).
    raw = repr(
        (
            request.get_host(),
            request.get_full_path(),
            get_language(),
            request.headers.get("Accept-Language", "")[:500],
            cookies,
        )
    ).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def _copy_keep(key: str, version, response, marker="") -> None:
    """Keep the page (with its time: `fresh` judges a copy by it), at most once per
    OUTAGE_COPY_REFRESH_SECONDS for a version and refresh marker (a new marker: the
    owner of the page says a copy kept before may have gone stale)."""
    if not cache.add(
        COPY_FRESH_KEY.format(key, f"{version}:{marker}"),
        1,
        timeout=settings.OUTAGE_COPY_REFRESH_SECONDS,
    ):
        return
    content = csrf_placeholder_put(response.content)
    cache.set(
        COPY_KEY.format(key),
        (
            version,
            content,
            response["Content-Type"],
            response.get("Vary", ""),
            time.time(),
        ),
        timeout=settings.OUTAGE_COPY_SECONDS,
    )


def _copy_serve(request, key: str, version, fresh=None) -> HttpResponse | None:
    try:
        kept = cache.get(COPY_KEY.format(key))
    except Exception:  # noqa: BLE001 - the cache away too: nothing to serve
        return None
    if kept is None or kept[0] != version or len(kept) != 5:
        return None
    _version, content, content_type, vary, kept_at = kept
    if fresh is not None and not fresh(content, kept_at):
        return None
    response = HttpResponse(
        csrf_placeholder_fill(request, content), content_type=content_type
    )
    if vary:
        patch_vary_headers(response, [v.strip() for v in vary.split(",")])
    patch_cache_control(response, private=True, no_cache=True)
    response["X-Kept-Copy"] = "1"
    return response


def kept_for_outages(view=None, *, version=None, fresh=None, anyone=False):
    """Keep a copy of the page for visitors without a session, and serve it to them
    while the database is away.

    `version`: a callable given the request, answering what the page's freshness
    hangs on without a query (the gallery's generation, from the cache); a copy
    built for another version is never served, so an entry hidden or deleted since
    is not shown again. A response its view marked SERVED_FROM_CACHE (the
    gallery's own page cache) was kept when it was built: no cache call is spent
    on it again.

    `fresh`: a callable given a copy's content and the time it was kept, answering
    whether it may still be served (the gallery's: no entry it shows was taken
    down since); asked only when a copy is about to be served.

    `anyone`: while the database is away, signed-in visitors get the copy too (as
    signed out: the help page, whose helplines must reach a child whatever
    happens). Copies are only ever made from visitors without a session."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            key = _copy_key(request, anyone=anyone)
            if key is None:
                return view(request, *args, **kwargs)
            current = version(request) if version else 0
            if _database_recently_down():
                kept = _copy_serve(request, key, current, fresh)
                if kept is not None:
                    return kept
            try:
                response = view(request, *args, **kwargs)
            except DATABASE_DOWN:
                database_down_noted()
                kept = _copy_serve(request, key, current, fresh)
                if kept is None:
                    raise
                return kept
            if (
                not _has_session(request)
                and response.status_code == HTTPStatus.OK
                and not response.streaming
                and not getattr(response, SERVED_FROM_CACHE, False)
                and settings.OUTAGE_COPY_SECONDS
            ):
                try:
                    _copy_keep(
                        key,
                        current,
                        response,
                        getattr(request, "outage_copy_marker", ""),
                    )
                except Exception:  # noqa: BLE001 - a cache error never costs the page
                    logger.warning("no outage copy kept for %s", request.path)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator
