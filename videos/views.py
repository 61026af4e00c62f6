"""Serve a video's files after checking who may see them, with HTTP Range support.

- processed video and poster: anyone when an owner says the video is public
  (videos.owners.video_is_public), otherwise whom the owner allows
  (videos.owners.video_access: the participant and moderators for an entry, story
  editors for an episode);
- the HLS ladder (master playlist, rung playlists, init and media segments): exactly
  as the processed video, checked on every request; playlists are answered here
  (never redirected), so their relative URIs always lead back to this view;
- the original upload: whom the owner allows (nobody for an entry's upload, which is
  deleted once processed; story editors for an episode's master).
Everyone else gets 404, whether or not the video exists; everyone gets 404 for a
deleted video (a tombstone, videos.services.video_delete).

Public files are cached briefly and revalidated (Last-Modified, 304), so hiding an
entry takes it out of browsers' and proxies' caches within PUBLIC_MEDIA_MAX_AGE.

With settings.MEDIA_OFFLOAD = "nginx" or "sendfile" the checks still happen here and
the front server sends the bytes (and handles Range itself).
"""

import os
import re
from http import HTTPStatus

from django.conf import settings
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from core.headers import header_number
from videos.models import Video
from videos.owners import video_access, video_is_public
from videos.pipeline import (
    CONTENT_TYPES,
    HLS_PLAYLIST,
    RUNG_FILE_RE,
    RUNG_RE,
)

CHUNK = 64 * 1024
RANGE_RE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
ORIGINAL_EXTENSIONS = {"mp4": ".mp4", "matroska": ".mkv", "avi": ".avi"}


PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPES = {".mp4": "video/mp4", ".m4s": "video/iso.segment"}

# field -> (content type, file name, the kind owners are asked about)
PROCESSED = {
    "output": ("video/mp4", "video.mp4", "video"),
    "poster": ("image/webp", "poster.webp", "poster"),
}


@require_safe
def video(request, pk):
    return _serve_processed(request, pk, "output")


@require_safe
def poster(request, pk):
    return _serve_processed(request, pk, "poster")


@require_safe
def original(request, pk):
    # A tombstone's fields are emptied; its status is checked too, so no file of a
    # deleted video is ever served, whatever a field still says.
    item = get_object_or_404(Video.objects.exclude(status=Video.Status.DELETED), pk=pk)
    if not item.source or not video_access(item, request.user, "original"):
        raise Http404
    fmt = (item.probe or {}).get("format", "")
    return _file_response(
        request,
        item.source.storage,
        item.source.name,
        content_type=CONTENT_TYPES.get(fmt, "application/octet-stream"),
        filename=f"{item.pk}{ORIGINAL_EXTENSIONS.get(fmt, '')}",
        public=False,
    )


@require_safe
def stream(request, pk):
    item, public = _readable(request, pk, "video")
    if not item.stream:
        raise Http404
    return _playlist_response(item.stream.storage, item.stream.name, public=public)


@require_safe
def stream_file(request, pk, rung, name):
    # Names are checked before the database is asked: nothing but our own file
    # names (no "..", no other folder) can ever reach the storage.
    if not RUNG_RE.fullmatch(rung) or not RUNG_FILE_RE.fullmatch(name):
        raise Http404
    item, public = _readable(request, pk, "video")
    if not item.stream or rung not in item.rung_names:
        raise Http404
    storage = item.stream.storage
    folder = item.stream.name.rsplit("/", 1)[0]
    stored = f"{folder}/{rung}/{name}"
    if name == HLS_PLAYLIST:
        return _playlist_response(storage, stored, public=public)
    return _file_response(
        request,
        storage,
        stored,
        content_type=SEGMENT_TYPES[os.path.splitext(name)[1]],
        filename=name,
        public=public,
    )


def _readable(request, pk, kind):
    """(video, public) when this request may read the ready video's `kind`, else 404."""
    item = Video.objects.filter(pk=pk, status=Video.Status.READY).first()
    if item is None:
        raise Http404
    public = video_is_public(item)
    if not public and not video_access(item, request.user, kind):
        raise Http404
    return item, public


def _serve_processed(request, pk, field):
    item, public = _readable(request, pk, PROCESSED[field][2])
    return _processed_response(request, item, field, public=public)


def _playlist_response(storage, name, *, public):
    """A playlist is a few hundred bytes: read and answered here, never redirected
    (a redirect to object storage would make its relative segment URIs bypass this
    view)."""
    try:
        with storage.open(name, "rb") as handle:
            body = handle.read(1024 * 1024)
    except FileNotFoundError:
        raise Http404 from None
    return HttpResponse(body, headers=_headers(PLAYLIST_TYPE, "index.m3u8", public))


def _headers(content_type, filename, public) -> dict:
    return {
        "Content-Type": content_type,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": (
            f"public, max-age={settings.PUBLIC_MEDIA_MAX_AGE}, must-revalidate"
            if public
            else "private, no-store"
        ),
    }


def private_processed_response(request, video: Video, field: str):
    """A processed file ("output" or "poster") for an owner that has checked access
    its own way (a guardian's signed link): never cached, Range supported, 404 when
    the video is not ready or the file is missing."""
    return _processed_response(request, video, field, public=False)


def _processed_response(request, video: Video, field: str, *, public: bool):
    if video.status != Video.Status.READY or not getattr(video, field):
        raise Http404
    content_type, filename, _kind = PROCESSED[field]
    fieldfile = getattr(video, field)
    return _file_response(
        request,
        fieldfile.storage,
        fieldfile.name,
        content_type=content_type,
        filename=filename,
        public=public,
    )


def _file_response(request, storage, name, *, content_type, filename, public):
    try:
        path = storage.path(name)
    except NotImplementedError:
        return _signed_redirect(storage, name, content_type, filename)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise Http404 from None
    size = stat.st_size
    headers = {
        **_headers(content_type, filename, public),
        "Accept-Ranges": "bytes",
        "Last-Modified": http_date(stat.st_mtime),
    }
    if public and not was_modified_since(
        request.headers.get("If-Modified-Since"), int(stat.st_mtime)
    ):
        return HttpResponse(status=HTTPStatus.NOT_MODIFIED, headers=headers)

    offload = settings.MEDIA_OFFLOAD
    if offload == "nginx":
        response = HttpResponse(headers=headers)
        response["X-Accel-Redirect"] = f"{settings.MEDIA_OFFLOAD_PREFIX}{name}"
        return response
    if offload == "sendfile":
        response = HttpResponse(headers=headers)
        response["X-Sendfile"] = os.path.abspath(path)
        return response

    start, end = 0, size - 1
    status = HTTPStatus.OK
    header = request.headers.get("Range", "")
    if header:
        parsed = _parse_range(header, size)
        if parsed == "bad":
            return HttpResponse(status=HTTPStatus.BAD_REQUEST, headers=headers)
        if parsed is None:
            response = HttpResponse(
                status=HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, headers=headers
            )
            response["Content-Range"] = f"bytes */{size}"
            return response
        if parsed != "ignore":
            start, end = parsed
            status = HTTPStatus.PARTIAL_CONTENT
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    length = end - start + 1 if size else 0
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return HttpResponse(status=status, headers=headers)
    return StreamingHttpResponse(
        _read(path, start, length), status=status, headers=headers
    )


def _signed_redirect(storage, name, content_type, filename):
    """Object storage: after the checks above, send the browser to a short-lived
    signed URL of the private bucket (S3_SIGNED_URL_SECONDS). The redirect itself is
    never cached, so revoking access (un-approving an entry) takes effect at once
    for every new request; a URL already handed out dies when it expires."""
    url = storage.url(
        name,
        parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": f'inline; filename="{filename}"',
        },
    )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _parse_range(header: str, size: int):
    """(start, end) for one satisfiable range, None for 416, "ignore" for 200,
    "bad" for 400 (a number longer than any byte count, see core.headers).

    Several ranges at once are answered with the whole file (allowed by RFC 9110).
    """
    if "," in header:
        return "ignore"
    match = RANGE_RE.match(header.strip())
    if not match:
        return "ignore"
    first, last = match.groups()
    if not first and not last:
        return "ignore"
    numbers = [header_number(value) for value in (first, last) if value]
    if None in numbers:
        return "bad"
    if not first:  # suffix: the last N bytes
        suffix = numbers[0]
        if suffix == 0 or size == 0:
            return None
        return max(0, size - suffix), size - 1
    start = numbers[0]
    end = numbers[1] if last else size - 1
    if start >= size or (last and end < start):
        return None
    return start, min(end, size - 1)


def _read(path, start, length):
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
