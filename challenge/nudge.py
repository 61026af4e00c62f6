"""The kindness nudge: find watched (hurtful) words and phrases in a caption, a note
or a handle, and in an owner's own hidden words.

Text and phrase are folded the same way, so staff write phrases plainly ("idiot",
"kill yourself", "töte dich"):

- look-alike letters from other scripts become the Latin letter they imitate
  (Unicode's confusables, UTS #39, through `disarm`): Cyrillic "кіll", Greek "ΚΙLL",
  dotless "ı", full-width and mathematical letters;
- case and accents: casefolded, combining marks dropped ("débile" = "debile");
- leetspeak: 0→o, 3→e, 4→a, 5→s, 7→t, @→a, $→s, and "1" matches an "i" or an "l";
- a German umlaut in a phrase also matches its "e" spelling ("töte" = "toete" =
  "tote"), and "ß" matches "ss".

The folded text is a string of letters and one mark per gap between them: a space,
a break (punctuation with a space, "idiot, you"), an elision (an apostrophe alone,
"t'es", "it's") or glue (punctuation or symbols inside a word, "id-iot", "i.d.i.o.t",
"idi_ot", a zero-width joiner). Each phrase becomes one regular expression over that
string, compiled once, in which any gap may sit between any two letters, a doubled
letter may be repeated ("stuuupid"), and each word may take a simple inflection
(s/es/en/n/e/i/a/o: "idiots", "idiota", "stupide").

A match must start and end at a gap (whole words only: "class", "Scunthorpe",
"assessment" are left alone). Inside it:

- glue is never innocent: "id-iot" is "idiot";
- a phrase of several words may be cut anywhere ("kill your self", "kil lyourself");
- a single word cut by spaces needs a fragment that is not a word of its own: one
  letter or no vowel ("i diot", "st upid", "sl ut"). Two word-like halves are
  ordinary text too often ("pu te", "worth less", "who're", "per dente"); only a
  "hold" word of six letters or more, cut by plain spaces, is held on that alone
  ("ammaz zati"), since a moderator sees it before anyone else does. A single letter
  after an apostrophe is an elision or a contraction ("it's past"), not a fragment;
- a phrase of six letters or more may lose a doubled letter ("kil yourself",
  "ashole"); a shorter one may not ("cone" is not "conne", "as" is not "ass").
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from disarm import normalize_confusables

from .models import WatchedWord

LEET = str.maketrans(
    {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
SUFFIXES = ("es", "en", "s", "n", "e", "i", "a", "o")
MIN_STEM = 5
# A phrase at least this long may lose a doubled letter, and a "hold" word this long
# is held when cut into two word-like halves.
MIN_LOOSE = 6
VOWELS = frozenset("aeiouy")

SPACE, BREAK, ELISION, GLUE = " ", ",", "'", "."
_GAP = f"[{SPACE}{BREAK}{ELISION}{GLUE}]"
_HARD_GAP = re.compile(f"([{SPACE}{BREAK}{ELISION}])")
_LETTER = f"[^{SPACE}{BREAK}{ELISION}{GLUE}]"
_LONG_RUN = re.compile(r"(.)\1{3,}")
_LETTERS = re.compile(r"[^\W_]+")
_SUFFIX = "(?:" + "|".join(SUFFIXES) + ")"
# Umlauts survive the phrase's folding as capitals (the rest is casefolded).
_UMLAUT_BASES = {"a": "A", "o": "O", "u": "U"}
_DIAERESIS = "\u0308"
# "1" stands for i or l: it is kept as it is and matches either.
_EITHER = {"i": "[i1]", "l": "[l1]"}


def _letters_only(text: str, *, umlauts: bool = False) -> str:
    text = unicodedata.normalize("NFKC", text)
    # Confusables are folded in both cases: some look-alikes exist only as a capital
    # ("Λ") or only as a small letter.
    text = normalize_confusables(normalize_confusables(text).casefold()).casefold()
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        if not unicodedata.combining(ch):
            kept.append(ch.translate(LEET))
        elif umlauts and ch == _DIAERESIS and kept and kept[-1] in _UMLAUT_BASES:
            kept[-1] = _UMLAUT_BASES[kept[-1]]
    return "".join(kept)


def _gap(between: str) -> str:
    if any(ch.isspace() for ch in between):
        return SPACE if not between.strip() else BREAK
    return ELISION if "'" in between else GLUE


def folded(text: str) -> str:
    """The text as the matcher reads it: letters, and one gap mark between words.
    Long runs of one letter are cut to three: no phrase needs more, and the
    patterns then never walk far."""
    letters = _letters_only(text)
    parts: list[str] = []
    end = None
    for run in _LETTERS.finditer(letters):
        if end is not None:
            parts.append(_gap(letters[end : run.start()]))
        parts.append(_LONG_RUN.sub(lambda m: m.group()[:3], run.group()))
        end = run.end()
    return "".join(parts)


def _letters_pattern(part: str, *, loose: bool) -> str:
    runs = [(m.group()[0], len(m.group())) for m in re.finditer(r"(.)\1*", part)]
    patterns = []
    for index, (letter, count) in enumerate(runs):
        one = _EITHER.get(letter.lower(), re.escape(letter.lower()))
        more = "*" if loose or count == 1 else f"{{{count - 1},}}"
        following = runs[index + 1][0].lower() if index + 1 < len(runs) else ""
        if {letter.lower(), following} != {"i", "l"}:
            # Possessive, so a long run never makes the search walk back; not
            # between i and l, which share "1" ("k1ll").
            more += "+"
        patterns.append(
            f"{one}(?:{_GAP}?{one}){more}" + ("e?" if letter.isupper() else "")
        )
    return f"{_GAP}?".join(patterns)


def _word_pattern(word: str, *, loose: bool) -> str:
    plain = word.lower()
    for suffix in SUFFIXES:
        stem_length = len(plain) - len(suffix)
        if plain.endswith(suffix) and stem_length >= MIN_STEM:
            stem, rest = word[:stem_length], word[stem_length:]
            if stem[-1].lower() == rest[0].lower():
                break  # "boloss": the stem would swallow the suffix's letter
            return (
                f"{_letters_pattern(stem, loose=loose)}"
                f"(?:{_GAP}?{_letters_pattern(rest, loose=loose)}{_SUFFIX}?|{_SUFFIX})"
            )
    return f"{_letters_pattern(word, loose=loose)}{_SUFFIX}?"


@dataclass(frozen=True)
class _Phrase:
    pattern: re.Pattern
    words: int
    letters: int

    def find(self, text: str, *, hold: bool) -> str | None:
        start = 0
        while (match := self.pattern.search(text, start)) is not None:
            if self.words > 1 or self._cut_on_purpose(text, match, hold=hold):
                return match.group()
            start = match.start() + 1
        return None

    def _cut_on_purpose(self, text: str, match: re.Match, *, hold: bool) -> bool:
        """Is a single word cut by spaces in a way ordinary words are not?"""
        # The gaps around the match count too: the "s" of "it's past" follows one.
        before = text[match.start() - 1 : match.start()]
        pieces = _HARD_GAP.split(match.group())
        gaps = [before, *pieces[1::2], text[match.end() :][:1]]
        words = [piece.replace(GLUE, "") for piece in pieces[::2]]
        if len(words) == 1:
            return True
        for index, word in enumerate(words):
            if len(word) == 1 and (
                ELISION in gaps[index : index + 2]
                # "dente e": a letter repeating its neighbour's is a word of its own
                or (index and word == words[index - 1][-1])
                or (index + 1 < len(words) and word == words[index + 1][0])
            ):
                continue
            if len(word) == 1 or not VOWELS.intersection(word):
                return True
        return hold and self.letters >= MIN_LOOSE and set(gaps[1:-1]) == {SPACE}


@lru_cache(maxsize=4096)
def _compiled(phrase: str) -> _Phrase | None:
    words = _LETTERS.findall(_letters_only(phrase, umlauts=True))
    if not words:
        return None
    letters = sum(len(word) for word in words)
    loose = letters >= MIN_LOOSE
    body = f"{_GAP}?".join(_word_pattern(word, loose=loose) for word in words)
    pattern = re.compile(f"(?<!{_LETTER}){body}(?!{_LETTER})")
    return _Phrase(pattern=pattern, words=len(words), letters=letters)


@dataclass(frozen=True)
class Watched:
    phrase: str
    language: str
    action: str


def find_hits(text: str, watched: list[Watched]) -> list[dict]:
    """The watched phrases found in `text`, one dict per phrase (JSON-ready)."""
    if not text:
        return []
    reading = folded(text)
    hits: dict[str, dict] = {}
    for item in watched:
        phrase = _compiled(item.phrase)
        if phrase is None:
            continue
        hold = item.action == WatchedWord.Action.HOLD
        found = phrase.find(reading, hold=hold)
        if found is None:
            continue
        # One hit per phrase ("idiot" is on the en, fr and de lists); "hold" wins.
        key = item.phrase.casefold()
        known = hits.get(key)
        if known is None or hold:
            hits[key] = {
                "phrase": item.phrase,
                "language": item.language,
                "action": item.action,
                "matched": re.sub(_GAP, " ", found).replace("1", "i"),
            }
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
