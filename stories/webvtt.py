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


# What a viewer can read: Netflix's timed-text style guide allows 17 characters a
# second in children's programmes (20 for adults) and lines of 42 characters; a third
# of this audience may be under 14. Ceilings, not targets.
READING_CPS = 17
LINE_CHARS = 42
CUE_LINES = 2
MIN_SCREEN_MS = 1000
PAUSES = (".", ",", ":", ";", "!", "?", "…", "»", "«", "“", "”", ")")


class CueTooFast(ValueError):
    """A cue's text cannot be read in its time, even using the gap after it."""


def cue_length(text: str) -> int:
    """Characters a viewer reads: spaces and punctuation count, line breaks do not."""
    return len(text.replace("\n", ""))


def _lines(words: list[str]) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if len(trial) <= LINE_CHARS:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _balanced(words: list[str]) -> str:
    """One line if it fits, else two lines as even as they can be (a short top line
    over a long bottom one reads worse than two halves), each within LINE_CHARS."""
    best, best_width = " ".join(words), len(" ".join(words))
    if best_width <= LINE_CHARS:
        return best
    for cut in range(1, len(words)):
        top, bottom = " ".join(words[:cut]), " ".join(words[cut:])
        width = max(len(top), len(bottom))
        if width <= LINE_CHARS and (best_width > LINE_CHARS or width < best_width):
            best, best_width = f"{top}\n{bottom}", width
    return best


def _screens(words: list[str]) -> list[list[str]]:
    """The words in as few screens as fit (greedy lines, CUE_LINES a screen), with
    their lengths as even as can be: "… die sie / gemacht hat." leaves no orphan."""
    count = -(-len(_lines(words)) // CUE_LINES)
    width = [len(word) for word in words]
    size = len(words)

    def length(first: int, last: int) -> int:
        # A screen that ends mid-sentence counts as longer: cuts go after
        # punctuation where the lengths allow.
        mid_sentence = last < size and not words[last - 1].endswith(PAUSES)
        return sum(width[first:last]) + (last - first - 1) + 12 * mid_sentence

    # reach[first]: the words from `first` up to reach[first] fit on one screen.
    reach = []
    for first in range(size):
        last = first + 1
        while last < size and len(_lines(words[first : last + 1])) <= CUE_LINES:
            last += 1
        reach.append(last)
    # best[k][i]: the least "longest screen" for words[:i] on k screens.
    best = [[None] * (size + 1) for _ in range(count + 1)]
    cut = [[0] * (size + 1) for _ in range(count + 1)]
    best[0][0] = 0
    for screens in range(1, count + 1):
        for last in range(1, size + 1):
            for first in range(screens - 1, last):
                before = best[screens - 1][first]
                if before is None or reach[first] < last:
                    continue
                score = max(before, length(first, last))
                if best[screens][last] is None or score < best[screens][last]:
                    best[screens][last], cut[screens][last] = score, first
    result, last = [], size
    for screens in range(count, 0, -1):
        first = cut[screens][last]
        result.append(words[first:last])
        last = first
    return result[::-1]


def cue_chunks(text: str) -> list[str]:
    """The text as screens of at most CUE_LINES lines of LINE_CHARS characters.

    A line break in `text` starts a new screen (a title after a notice stays on its
    own); words longer than a line are cut. Only plain spaces separate words: a
    no-break space (French "Démo\u00a0:") holds its words together."""
    chunks: list[str] = []
    for paragraph in text.split("\n"):
        words: list[str] = []
        for word in re.split(r"[ \t]+", paragraph.strip(" \t")):
            words.extend(
                word[index : index + LINE_CHARS]
                for index in range(0, len(word), LINE_CHARS)
            )
        if words:
            chunks.extend(_balanced(screen) for screen in _screens(words))
    return chunks


def _screen_millis(chunk: str) -> int:
    """The least whole milliseconds a screen needs: READING_CPS, and a second at
    least so that a short one does not flash by."""
    return max(-(-cue_length(chunk) * 1000 // READING_CPS), MIN_SCREEN_MS)


def reading_seconds(text: str) -> float:
    """The least time the text needs on screen, split the way the writer splits it."""
    return sum(_screen_millis(chunk) for chunk in cue_chunks(text)) / 1000


def _millis(seconds: float) -> int:
    return int(round(seconds * 1000))


def _timestamp(millis: int) -> str:
    hours, rest = divmod(millis, 3_600_000)
    return f"{hours:02d}:{rest // 60000:02d}:{rest // 1000 % 60:02d}.{rest % 1000:03d}"


def write_webvtt(cues, *, until: float | None = None) -> str:
    """A WebVTT document from (start, end, text) cues in time order, each one split
    into screens of two lines of 42 characters shown one after the other, none
    faster than READING_CPS.

    A cue too long for its time is stretched into the gap before the next cue (or
    up to `until`, the end of the clip); if even that is too short, CueTooFast: the
    timeline has to give the words more time, the writer will not hurry them.
    Durations are counted in whole milliseconds, so what a player reads back is
    exactly what was checked."""
    cues = [(_millis(start), _millis(end), text) for start, end, text in cues]
    limit = None if until is None else _millis(until)
    blocks = ["WEBVTT"]
    number = 0
    for index, (start, end, text) in enumerate(cues):
        chunks = cue_chunks(text)
        if not chunks:
            continue
        lengths = [cue_length(chunk) for chunk in chunks]
        needs = [_screen_millis(chunk) for chunk in chunks]
        room = cues[index + 1][0] if index + 1 < len(cues) else limit
        if end - start < sum(needs):
            if room is None or room - start < sum(needs):
                raise CueTooFast(
                    f"{sum(lengths)} characters need {sum(needs) / 1000:.2f} s at "
                    f"{READING_CPS} a second; the cue at {start / 1000:.2f} s has "
                    f"{((room or end) - start) / 1000:.2f} s: {text[:40]!r}"
                )
            end = start + sum(needs)
        spare = end - start - sum(needs)
        total = sum(lengths)
        at = start
        for position, (chunk, need, length) in enumerate(
            zip(chunks, needs, lengths, strict=True)
        ):
            last = position == len(chunks) - 1
            stop = end if last else at + need + spare * length // total
            number += 1
            blocks.append(f"{number}\n{_timestamp(at)} --> {_timestamp(stop)}\n{chunk}")
            at = stop
    return "\n\n".join(blocks) + "\n"


def write_cues(cues) -> str:
    """A WebVTT document of (start, end, text) cues written as they are: cues that
    are already screens (taken from a checked file, clipped or shifted), which
    `write_webvtt` would split again. Times in whole milliseconds."""
    blocks = ["WEBVTT"]
    for number, (start, end, text) in enumerate(cues, start=1):
        blocks.append(
            f"{number}\n{_timestamp(_millis(start))} --> {_timestamp(_millis(end))}"
            f"\n{text}"
        )
    return "\n\n".join(blocks) + "\n"
