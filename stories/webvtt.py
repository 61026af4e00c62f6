"""A WebVTT parser strict enough to refuse a broken caption file before it goes live.

It follows the W3C WebVTT syntax for what players rely on: the `WEBVTT` signature,
blocks separated by blank lines, NOTE/STYLE/REGION blocks, optional cue identifiers,
cue timings `[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]` with start < end and
start times that never go back, and a non-empty cue text.
"""

import html
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
TIMING_LINE = re.compile(rf"^{TIMESTAMP}[ \t]+-->[ \t]+{TIMESTAMP}(?:[ \t]+(.*))?$")
TAG = re.compile(r"<[^>]*>")
LOOKS_LIKE_TIMING = re.compile(r"^\d{1,2}:\d{2}")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str
    identifier: str = ""

    @property
    def plain_text(self) -> str:
        """The cue without markup (<v Name>, <i>…) or entities, for a transcript."""
        return html.unescape(TAG.sub("", self.text)).strip()


class WebVTTError(ValueError):
    def __init__(self, message, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


def _seconds(hours, minutes, seconds, millis) -> float:
    return (
        int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000
    )


def parse_webvtt(text: str) -> list[Cue]:
    """The cues of a WebVTT document; WebVTTError (with a 1-based line) if invalid."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    first = lines[0]
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise WebVTTError(_("The file must start with the line “WEBVTT”."), 1)
    index = 1
    # The header runs up to the first blank line; "-->" there means a missing gap.
    while index < len(lines) and lines[index].strip():
        if "-->" in lines[index]:
            raise WebVTTError(
                _("A blank line is needed between the header and the first cue."),
                index + 1,
            )
        index += 1

    cues: list[Cue] = []
    previous_start = 0.0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        block_start = index
        block = []
        while index < len(lines) and lines[index].strip():
            block.append(lines[index])
            index += 1
        head = block[0]
        if head == "NOTE" or head.startswith(("NOTE ", "NOTE\t")):
            continue
        if head in ("STYLE", "REGION") and not cues:
            continue
        identifier = ""
        timing_offset = 0
        if "-->" not in head:
            identifier = head
            timing_offset = 1
            if len(block) < 2:
                raise WebVTTError(
                    _("Expected cue timings “00:00:01.000 --> 00:00:04.000”."),
                    block_start + 2,
                )
        timing_line_number = block_start + timing_offset + 1
        match = TIMING_LINE.match(block[timing_offset].strip())
        if not match and identifier and LOOKS_LIKE_TIMING.match(identifier):
            # "00:01.000 -> 00:02.000" is meant as timings, not as an identifier.
            timing_line_number = block_start + 1
        if not match:
            raise WebVTTError(
                _(
                    "Invalid cue timings: expected “00:00:01.000 --> 00:00:04.000” "
                    "(hours optional, milliseconds with three digits)."
                ),
                timing_line_number,
            )
        start = _seconds(*match.groups()[0:4])
        end = _seconds(*match.groups()[4:8])
        if end <= start:
            raise WebVTTError(
                _("The cue ends before it starts (the end must be after the start)."),
                timing_line_number,
            )
        if start < previous_start:
            raise WebVTTError(
                _(
                    "The cue starts before the previous one: cues must be in time order."
                ),
                timing_line_number,
            )
        body = block[timing_offset + 1 :]
        if not body:
            raise WebVTTError(_("The cue has no text."), timing_line_number + 1)
        for offset, line in enumerate(body):
            if "-->" in line:
                raise WebVTTError(
                    _("A blank line is needed between two cues."),
                    timing_line_number + 1 + offset,
                )
        previous_start = start
        cues.append(Cue(start, end, "\n".join(body), identifier))
    if not cues:
        raise WebVTTError(_("The file has no cues."), len(lines))
    return cues


def validate_webvtt(value: str) -> None:
    try:
        parse_webvtt(value)
    except WebVTTError as error:
        raise ValidationError(
            _("Line %(line)d: %(problem)s"),
            code="invalid_webvtt",
            params={"line": error.line, "problem": error.message},
        ) from error


def decode_upload(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ValidationError(
            _("Line %(line)d: the file is not UTF-8 text."),
            code="invalid_webvtt",
            params={"line": line},
        ) from error
