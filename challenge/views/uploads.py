"""Upload handling for the submit view: stream to disk, stop at the size limit.

Django's TemporaryFileUploadHandler writes every upload to a temp file (never to
memory). In front of it, LimitedUploadHandler counts the file's bytes as they
arrive and stops reading the request once VIDEO_MAX_UPLOAD_BYTES is passed; when
the request's Content-Length already says the body is too large, it stops as soon
as the file part begins, without reading any of it. The form fields sent before the
file (the submit page puts the file last) are kept, so the caption is not lost.
A disk that fills up while the file is written (RoomCheckedTemporaryFileUploadHandler)
stops the upload the same way, deletes what was written and sets the limiter's
`no_room`, which the view answers with "no room, try again later".
"""

import contextlib

from django.conf import settings
from django.core.files.uploadhandler import (
    FileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)

from core.disk import no_room

# Room for the form's other fields and the multipart boundaries.
FORM_OVERHEAD_BYTES = 64 * 1024


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None, *, max_bytes: int, refuse_files: bool = False):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.refuse_files = refuse_files
        self.received = 0
        self.too_large = False
        self.refused = False
        self.no_room = False

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        if content_length and content_length > self.max_bytes + FORM_OVERHEAD_BYTES:
            self.too_large = True
        return None  # let the normal parser read the fields

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise StopUpload(connection_reset=True)
        if self.refuse_files:
            # The participant cannot submit now (campaign closed, daily limit):
            # do not spend minutes receiving a file we would throw away.
            self.refused = True
            raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


class RoomCheckedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler; when the disk has no room for the next
    bytes (the write, or the flush at the end, fails), the temporary file is
    closed, which deletes it, and the upload stops with the limiter's `no_room`."""

    def __init__(self, request=None, *, limiter: LimitedUploadHandler):
        super().__init__(request)
        self.limiter = limiter

    @contextlib.contextmanager
    def _room_checked(self):
        try:
            yield
        except OSError as error:
            if not no_room(error):
                raise
            with contextlib.suppress(OSError):  # the unflushed rest fails again
                self.file.close()  # a NamedTemporaryFile: deleted even then
            self.limiter.no_room = True
            raise StopUpload(connection_reset=True) from error

    def receive_data_chunk(self, raw_data, start):
        with self._room_checked():
            return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        with self._room_checked():
            return super().file_complete(file_size)


def install_upload_handlers(request, *, refuse_files: bool = False):
    """Replace the request's handlers; call before anything reads request.POST."""
    limiter = LimitedUploadHandler(
        request,
        max_bytes=settings.VIDEO_MAX_UPLOAD_BYTES,
        refuse_files=refuse_files,
    )
    request.upload_handlers = [
        limiter,
        RoomCheckedTemporaryFileUploadHandler(request, limiter=limiter),
    ]
    return limiter
