"""Every figure a page shows says whose it is."""

import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
# "4 in 10", "40 %", "400 billion", "one third"...: a statistic, not a count we show.
FIGURE = re.compile(
    r"\b\d+ (in|of|su|sur|von) 10\b|\b\d+ ?(%|percent|per cent)|"
    r"\b\d+ (billion|million)\b|\bone[- ]third\b|\ba third\b",
    re.IGNORECASE,
)
SOURCES = [
    *sorted((BASE_DIR / "templates").rglob("*.html")),
    *sorted((BASE_DIR / "templates").rglob("*.txt")),
    BASE_DIR / "campaign" / "demo.py",
    BASE_DIR / "stories" / "demo_text.py",
]


def sentences_with_figures():
    for path in SOURCES:
        text = path.read_text()
        for sentence in re.split(r"(?<=[.!?])\s|\n", text):
            if "%(percent)s" in sentence or "{% widthratio" in sentence:
                continue  # the site's own measured rate, labelled in its template
            if "<code>" in sentence:
                continue  # code shown to copy (width="100%"), not a figure in prose
            if FIGURE.search(sentence):
                yield path.relative_to(BASE_DIR), sentence


@pytest.mark.parametrize(("path", "sentence"), list(sentences_with_figures()))
def test_a_figure_names_its_source(path, sentence):
    assert "TikTok" in sentence or "this site" in sentence, (path, sentence)


def test_the_scan_finds_the_nudge_figure():
    assert any("4 in 10" in sentence for _path, sentence in sentences_with_figures())
