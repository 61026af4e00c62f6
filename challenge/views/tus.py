"""The resumable upload endpoint: tus 1.0.0 core with the creation, expiration and
termination extensions (https://tus.io/protocols/resumable-upload).

Thin: it parses the protocol's headers and maps services.uploads' answers to status
codes. Requests come from our own page, so CSRF protection stays on (upload.js sends
the token in the X-CSRFToken header); only the participant who made an upload can
see, continue or cancel it, anyone else gets 404.
"""

import base64
import binascii
from http import HTTPStatus

from allauth.account.models import EmailAddress
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.headers import header_number
from core.ratelimit import limit_or_429
from core.text import clean_text

from ..errors import (
    ChallengeError,
    UploadBusy,
    UploadEmpty,
    UploadExpired,
    UploadNoRoom,
    UploadNotFound,
    UploadOffsetConflict,
    UploadsFull,
    UploadTooLarge,
)
from ..selectors.participants import participant_for
from ..services import uploads as services

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination"
PIECE_TYPE = "application/offset+octet-stream"

STATUS_FOR = [
    (UploadExpired, HTTPStatus.GONE),
    (UploadNotFound, HTTPStatus.NOT_FOUND),
    (UploadOffsetConflict, HTTPStatus.CONFLICT),
    (UploadBusy, HTTPStatus.LOCKED),
    (UploadTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (UploadEmpty, HTTPStatus.BAD_REQUEST),
    (UploadsFull, HTTPStatus.SERVICE_UNAVAILABLE),
    (UploadNoRoom, HTTPStatus.SERVICE_UNAVAILABLE),
    (ChallengeError, HTTPStatus.FORBIDDEN),  # campaign closed, daily limit
]


def _answer(status, message: str = "", **headers) -> HttpResponse:
    response = HttpResponse(
        message, status=status, content_type="text/plain; charset=utf-8"
    )
    response["Tus-Resumable"] = TUS_VERSION
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _refused(error: ChallengeError) -> HttpResponse:
    status = next(code for kind, code in STATUS_FOR if isinstance(error, kind))
    headers = {}
    if isinstance(error, UploadOffsetConflict):
        headers["Upload_Offset"] = str(error.offset)
    if isinstance(error, (UploadsFull, UploadNoRoom)):
        headers["Retry_After"] = str(error.retry_after_seconds)
    return _answer(status, str(error.message), **headers)


def _capabilities() -> HttpResponse:
    return _answer(
        HTTPStatus.NO_CONTENT,
        Tus_Version=TUS_VERSION,
        Tus_Extension=TUS_EXTENSIONS,
        Tus_Max_Size=str(settings.VIDEO_MAX_UPLOAD_BYTES),
    )


def _state(upload, status=HTTPStatus.NO_CONTENT, **headers) -> HttpResponse:
    return _answer(
        status,
        Upload_Offset=str(upload.offset),
        Upload_Length=str(upload.length),
        Upload_Expires=http_date(upload.expires_at.timestamp()),
        **headers,
    )


def _gate(request):
    """(participant, None) or (None, the response refusing the request)."""
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return None, _answer(HTTPStatus.PRECONDITION_FAILED, Tus_Version=TUS_VERSION)
    user = request.user
    participant = participant_for(user)
    if (
        participant is None
        or not EmailAddress.objects.filter(user=user, verified=True).exists()
    ):
        return None, _answer(
            HTTPStatus.FORBIDDEN,
            _("Please log in and complete your profile first."),
        )
    return participant, None


def _header_int(request, name: str) -> int | None:
    return header_number(request.headers.get(name, ""))


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated "key base64(value)" pairs; undecodable
    values are dropped, text is cleaned like any free text."""
    found = {}
    for pair in header.split(","):
        key, _sep, encoded = pair.strip().partition(" ")
        if not key:
            continue
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            continue
        found[key] = clean_text(value)
    return found


@never_cache
@require_http_methods(["OPTIONS", "POST"])
def uploads(request):
    """OPTIONS: what this server supports. POST: create an upload (no body)."""
    if request.method == "OPTIONS":
        return _capabilities()
    participant, refused = _gate(request)
    if refused is not None:
        return refused
    limited = limit_or_429(request, action="upload_start")
    if limited is not None:
        limited["Tus-Resumable"] = TUS_VERSION
        return limited
    length = _header_int(request, "Upload-Length")
    if length is None:
        # Upload-Defer-Length is not supported: the size is checked up front.
        return _answer(HTTPStatus.BAD_REQUEST, _("The file's size is missing."))
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    try:
        upload = services.resumable_upload_create(
            participant=participant,
            length=length,
            filename=metadata.get("filename", ""),
            filetype=metadata.get("filetype", ""),
        )
    except ChallengeError as error:
        return _refused(error)
    location = reverse("challenge:tus_upload", kwargs={"pk": upload.pk})
    return _state(upload, status=HTTPStatus.CREATED, Location=location)


@never_cache
@require_http_methods(["OPTIONS", "HEAD", "PATCH", "DELETE"])
def upload(request, pk):
    """HEAD: how much arrived. PATCH: the next piece. DELETE: cancel."""
    if request.method == "OPTIONS":
        return _capabilities()
    participant, refused = _gate(request)
    if refused is not None:
        return refused
    try:
        if request.method == "HEAD":
            found = services.resumable_upload_get(upload_id=pk, participant=participant)
            return _state(found, status=HTTPStatus.OK)
        if request.method == "DELETE":
            services.resumable_upload_delete(upload_id=pk, participant=participant)
            return _answer(HTTPStatus.NO_CONTENT)
        if request.content_type != PIECE_TYPE:
            return _answer(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"Content-Type must be {PIECE_TYPE}"
            )
        offset = _header_int(request, "Upload-Offset")
        if offset is None:
            return _answer(HTTPStatus.BAD_REQUEST, "Upload-Offset is missing")
        found = services.resumable_upload_append(
            upload_id=pk,
            participant=participant,
            offset=offset,
            stream=request,
            content_length=_header_int(request, "Content-Length"),
        )
    except ChallengeError as error:
        return _refused(error)
    return _state(found)
