"""Text from people, made safe on the way in: what every free-text field goes through.

- Control characters go (a caption with U+000B once made the Atom feed answer 500),
  and so do invisible formatting characters that can hide or reorder text: bidi
  overrides and isolates, zero-width spaces and joiners used alone, word joiners,
  byte-order marks, soft hyphens, Unicode "tag" characters, non-characters.
  The zero-width joiner and non-joiner stay, because emoji sequences (👨‍👩‍👧) and
  Persian or Hindi words need them.
- Stacks of combining marks ("Zalgo" text) are cut to a few per letter, so a short
  caption cannot draw over the rest of the page.
- Lengths are counted in what a person sees (`visible_length`): an accented letter, a
  flag or a family emoji is one character, whatever its code points; every letter
  counts, even glued to the next one with a joiner.
"""

import unicodedata

ZWNJ, ZWJ = "\u200c", "\u200d"
KEEP_FORMAT = {ZWNJ, ZWJ}
MAX_MARKS_PER_LETTER = 3
# Emoji skin tones and variation selectors change the character before them.
_MODIFIERS = {chr(c) for c in range(0x1F3FB, 0x1F400)} | {
    chr(c) for c in range(0xFE00, 0xFE10)
}


def _is_noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` without control and invisible formatting characters, NFC-normalised,
    with combining marks limited per letter and spaces trimmed. Line breaks are kept
    (as \\n) only when `multiline`; tabs and other breaks become spaces."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n"))
    kept: list[str] = []
    marks = 0
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n" and multiline:
            kept.append(ch)
            marks = 0
            continue
        if ch in "\t\n\r\v\f\x85\u2028\u2029":
            kept.append(" ")
            marks = 0
            continue
        if category in ("Cc", "Cs") or _is_noncharacter(ch):
            continue
        if category == "Cf" and ch not in KEEP_FORMAT:
            continue
        if category in ("Mn", "Me"):
            marks += 1
            if marks > MAX_MARKS_PER_LETTER:
                continue
        else:
            marks = 0
        kept.append(ch)
    cleaned = "".join(kept)
    if multiline:
        return "\n".join(line.strip() for line in cleaned.strip().split("\n"))
    return cleaned.strip()


def _is_pictograph(ch: str) -> bool:
    return unicodedata.category(ch) == "So"


def visible_length(value: str) -> int:
    """How many characters a person sees: combining marks do not count, nor do what
    joins an emoji into one picture (a zero-width joiner and the pictograph after it,
    a skin tone, a variation selector); a pair of regional indicators (a flag) counts
    once. Letters always count, joined or not: a joiner between letters shows
    nothing, so a note of 300 counted characters holds at most 300 letters."""
    count = 0
    after_pictograph = joined = regional_open = False
    for ch in unicodedata.normalize("NFC", value):
        if ch == ZWJ:
            joined = after_pictograph
            continue
        if unicodedata.category(ch) in ("Mn", "Me"):
            continue
        if ch in _MODIFIERS and after_pictograph:
            continue
        if joined and _is_pictograph(ch):
            joined = False
            continue
        joined = False
        if 0x1F1E6 <= ord(ch) <= 0x1F1FF:
            if regional_open:
                regional_open = False
                continue
            regional_open = True
        else:
            regional_open = False
        after_pictograph = _is_pictograph(ch)
        count += 1
    return count


def has_control_characters(value: str) -> bool:
    """Control characters other than line breaks and tabs: refused where a field
    must not silently change what was typed (kind notes)."""
    return any(
        unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value or ""
    )
