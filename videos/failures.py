"""Participant-readable reasons for a failed video, built at render time.

The pipeline stores a stable `failure_code` and plain numbers in `failure_params`;
the text is translated when shown, in the reader's language.

Only GENERIC ("internal") tells the participant to try again later: it is kept for
trouble on our side that a later attempt can fix (storage, database or broker away
until the attempts ran out). A file that breaks the decoder is "unprocessable", one
that needs more memory than a worker allows is "too_demanding": retrying either
would fail the same way.
"""

from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

GENERIC = "internal"


def format_duration(seconds) -> str:
    """'4 min 5 s', '3 min', '45 s' in the active language."""
    total = max(0, round(float(seconds)))
    minutes, secs = divmod(total, 60)
    if minutes and secs:
        return gettext("%(minutes)d min %(seconds)d s") % {
            "minutes": minutes,
            "seconds": secs,
        }
    if minutes:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    return gettext("%(seconds)d s") % {"seconds": secs}


def _too_many_streams(p):
    return ngettext(
        "This file holds %(count)d track; we accept at most %(limit)d.",
        "This file holds %(count)d tracks; we accept at most %(limit)d.",
        p["count"],
    ) % {"count": p["count"], "limit": p["limit"]}


def _too_many_channels(p):
    return ngettext(
        "The sound has %(count)d channel; we accept at most %(limit)d.",
        "The sound has %(count)d channels; we accept at most %(limit)d.",
        p["count"],
    ) % {"count": p["count"], "limit": p["limit"]}


MESSAGES = {
    "empty": lambda p: gettext("The file is empty."),
    "not_video": lambda p: gettext("This file is not a video we can read."),
    "audio_only": lambda p: gettext(
        "This file only holds sound. Please upload a video with a picture."
    ),
    "no_video": lambda p: gettext("This file is not a video we can read."),
    "undecodable": lambda p: gettext(
        "We could not play this video. The file may be damaged or incomplete; "
        "please export it again and retry."
    ),
    "too_big": lambda p: (
        gettext("The file is %(size)s; the limit is %(limit)s.")
        % {"size": filesizeformat(p["size"]), "limit": filesizeformat(p["limit"])}
    ),
    "too_long": lambda p: (
        gettext("The video is %(duration)s long; the limit is %(limit)s.")
        % {
            "duration": format_duration(p["duration"]),
            "limit": format_duration(p["limit"]),
        }
    ),
    "too_large": lambda p: (
        gettext(
            "The picture is %(width)d × %(height)d pixels; the limit is %(limit)d pixels "
            "on each side."
        )
        % p
    ),
    "too_small": lambda p: (
        gettext("The picture is too small (%(width)d × %(height)d pixels).") % p
    ),
    "bad_shape": lambda p: (
        gettext(
            "The picture is too narrow (%(width)d × %(height)d pixels); the longer side "
            "may be at most 10 times the shorter one."
        )
        % p
    ),
    "too_many_pixels": lambda p: (
        gettext(
            "The picture is %(width)d × %(height)d pixels, more than we can process "
            "(at most %(limit)s pixels in all). Please export it at a lower "
            "resolution, such as 1080p."
        )
        % {
            "width": p["width"],
            "height": p["height"],
            "limit": number_format(p["limit"], force_grouping=True),
        }
    ),
    "too_fast": lambda p: (
        gettext("The video has %(fps)d frames per second; the limit is %(limit)d.") % p
    ),
    "too_many_streams": _too_many_streams,
    "too_many_channels": _too_many_channels,
    "too_demanding": lambda p: gettext(
        "This video is too demanding to process. Please export it at a lower "
        "resolution, such as 1080p, and upload it again."
    ),
    "unprocessable": lambda p: gettext(
        "We could not process this video. Exporting it again as an MP4 file and "
        "uploading that usually works."
    ),
    "timeout": lambda p: gettext(
        "Processing this video took too long. A shorter or smaller video will work."
    ),
    GENERIC: lambda p: gettext(
        "Something went wrong on our side while processing this video. "
        "Please try again later."
    ),
}


def failure_reason(code: str, params: dict | None) -> str:
    if not code:
        return ""
    message = MESSAGES.get(code, MESSAGES[GENERIC])
    try:
        return message(params or {})
    except (KeyError, TypeError, ValueError):
        return MESSAGES["not_video" if code != GENERIC else GENERIC]({})
