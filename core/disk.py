"""A disk with no room left: the one test of whether a write failed for want of it.

Uploads and transcodes write large files; when the volume fills up (or a quota, or
the process's file-size limit, is reached) the write fails with one of these
errors. It is not the file's fault and not the visitor's: the upload is refused with
"try again later" and nothing half-written is kept, a transcode is retried.
"""

import errno

NO_ROOM_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def no_room(error: BaseException) -> bool:
    """Whether `error` is a write refused for want of room (PyAV's errors too: they
    are OSError with the errno FFmpeg saw)."""
    return isinstance(error, OSError) and error.errno in NO_ROOM_ERRNOS
