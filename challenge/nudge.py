"""The kindness nudge: find watched (hurtful) words and phrases in a caption.

Matching is done on a normalised form of the text, the same for the caption and for
the watched phrase, so staff write phrases plainly ("idiot", "kill yourself"):

- case and accents: Unicode NFKD, combining marks dropped, casefolded;
- leetspeak: 0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s (and "l" and "1" are treated as
  the same letter, since "1" stands for either);
- spacing and punctuation tricks: "i d i o t", "i.d.i.o.t", "id-iot";
- repeated letters: "stuuupid";
- simple inflections: a trailing s/es/en/n/e/i/a/o ("idiots", "idiota", "stupide").

It only ever matches whole words (token by token), so innocent words that contain a
watched one are left alone: "class", "Scunthorpe", "assessment".
"""

import re
import unicodedata
from dataclasses import dataclass

from .models import WatchedWord

LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
SUFFIXES = ("es", "en", "s", "n", "e", "i", "a", "o")
MIN_STEM = 5
_TOKEN = re.compile(r"[^\W_]+")
_INNER_PUNCT = re.compile(r"(?<=[^\W_])[^\w\s]+(?=[^\W_])|(?<=[^\W_])_+(?=[^\W_])")
_REPEATS = re.compile(r"(.)\1+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # "l" and "1" (which leetspeak uses for both i and l) become one letter.
    return without_marks.casefold().translate(LEET).replace("l", "i")


def _merge_spelled_out(tokens: list[str]) -> list[str]:
    """Join runs of three or more one-letter tokens: "i d i o t" → "idiot"."""
    merged: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1:
            run.append(token)
            continue
        if len(run) >= 3:
            merged.append("".join(run))
        else:
            merged.extend(run)
        run = []
        if token:
            merged.append(token)
    return merged


def token_streams(text: str) -> list[list[str]]:
    """Two readings of the text: split on every separator, and with punctuation
    inside words removed ("i.d.i.o.t", "id-iot" → "idiot")."""
    folded = _fold(text)
    split_everywhere = _merge_spelled_out(_TOKEN.findall(folded))
    joined_inside = _merge_spelled_out(_TOKEN.findall(_INNER_PUNCT.sub("", folded)))
    if joined_inside == split_everywhere:
        return [split_everywhere]
    return [split_everywhere, joined_inside]


def _collapse(token: str) -> str:
    return _REPEATS.sub(r"\1", token)


def _stem(token: str) -> str:
    for suffix in SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= MIN_STEM:
            return token[: -len(suffix)]
    return token


def token_matches(word: str, watched: str) -> bool:
    """Does one (normalised) word of the caption match one word of a phrase?"""
    if len(word) < len(watched):
        # "as" is not "ass", even though both collapse to "as".
        return False
    word, watched = _collapse(word), _collapse(watched)
    if word == watched or any(word == watched + suffix for suffix in SUFFIXES):
        return True
    stem = _stem(word)
    return len(stem) >= MIN_STEM and stem == _stem(watched)


@dataclass(frozen=True)
class Watched:
    phrase: str
    language: str
    action: str

    @property
    def tokens(self) -> list[str]:
        streams = token_streams(self.phrase)
        return streams[-1]


def _phrase_in(tokens: list[str], phrase_tokens: list[str]) -> str | None:
    size = len(phrase_tokens)
    for start in range(len(tokens) - size + 1):
        window = tokens[start : start + size]
        if all(token_matches(w, p) for w, p in zip(window, phrase_tokens, strict=True)):
            return " ".join(window)
    if size > 1:
        # "killyourself": the phrase written as one word.
        glued = "".join(phrase_tokens)
        for token in tokens:
            if token_matches(token, glued):
                return token
    return None


def find_hits(text: str, watched: list[Watched]) -> list[dict]:
    """The watched phrases found in `text`, one dict per phrase (JSON-ready)."""
    if not text:
        return []
    streams = token_streams(text)
    hits: dict[str, dict] = {}
    for item in watched:
        phrase_tokens = item.tokens
        if not phrase_tokens:
            continue
        for tokens in streams:
            found = _phrase_in(tokens, phrase_tokens)
            if found is not None:
                # One hit per phrase ("idiot" is on the en, fr and de lists);
                # "hold" wins over "nudge".
                known = hits.get(item.phrase.casefold())
                if known is None or item.action == "hold":
                    hits[item.phrase.casefold()] = {
                        "phrase": item.phrase,
                        "language": item.language,
                        "action": item.action,
                        "matched": found,
                    }
                break
    return list(hits.values())


def watched_words() -> list[Watched]:
    """Every active watched word, in every language: captions mix languages."""
    return [
        Watched(phrase=w.phrase, language=w.language, action=w.action)
        for w in WatchedWord.objects.filter(is_active=True)
    ]


def caption_hits(caption: str) -> list[dict]:
    return find_hits(caption, watched_words())


def needs_careful_review(hits: list[dict]) -> bool:
    """A "hold" phrase was found: the entry is marked for careful review (a badge in
    the queue) and is never approved in bulk."""
    return any(
        isinstance(hit, dict) and hit.get("action") == WatchedWord.Action.HOLD
        for hit in hits
    )
