import pytest
from django.core.exceptions import ValidationError

from stories.webvtt import decode_upload, parse_webvtt, validate_webvtt

GOOD = {
    "minimal": "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n",
    "hours_and_ids": (
        "WEBVTT - the header may say more\n\n"
        "intro\n00:00:00.500 --> 00:00:02.000 align:center line:90%\nHello\nthere\n\n"
        "00:00:02.000 --> 00:00:03.250\n<v Mia>Bye</v>\n"
    ),
    "crlf_and_bom": "\ufeffWEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nHi\r\n",
    "note_and_style": (
        "WEBVTT\n\nNOTE written by the team\nover two lines\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "00:00:01.000 --> 00:00:02.000\nHi\n\n"
        "NOTE after a cue\n\n"
        "00:00:01.000 --> 00:00:03.000\nSame start is fine\n"
    ),
}

BAD = {
    "no_header": ("00:00:01.000 --> 00:00:02.000\nHi\n", 1, "WEBVTT"),
    "wrong_header": ("WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nHi\n", 1, "WEBVTT"),
    "srt_timings": (
        "WEBVTT\n\n1\n00:00:01,000 --> 00:00:02,000\nHi\n",
        4,
        "Invalid cue timings",
    ),
    "end_before_start": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n\n"
        "00:00:05.000 --> 00:00:04.000\nTwo\n",
        6,
        "ends before it starts",
    ),
    "equal_start_end": ("WEBVTT\n\n00:00:02.000 --> 00:00:02.000\nHi\n", 3, "ends"),
    "not_monotonic": (
        "WEBVTT\n\n00:00:03.000 --> 00:00:04.000\nOne\n\n"
        "00:00:01.000 --> 00:00:02.000\nTwo\n",
        6,
        "time order",
    ),
    "no_cue_text": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n00:00:03.000 --> 00:00:04.000\nHi\n",
        4,
        "no text",
    ),
    "missing_blank_between_cues": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n00:00:02.000 --> 00:00:03.000\n",
        5,
        "blank line",
    ),
    "minutes_out_of_range": (
        "WEBVTT\n\n00:61:00.000 --> 01:02:00.000\nHi\n",
        3,
        "Invalid cue timings",
    ),
    "identifier_without_timings": ("WEBVTT\n\nintro\n", 4, "Expected cue timings"),
    "cue_in_header": (
        "WEBVTT\n00:00:01.000 --> 00:00:02.000\nHi\n",
        2,
        "between the header",
    ),
    "empty": ("WEBVTT\n", 2, "no cues"),
}


@pytest.mark.parametrize("text", GOOD.values(), ids=GOOD.keys())
def test_valid_webvtt_is_accepted(text):
    cues = parse_webvtt(text)
    assert cues
    assert all(cue.end > cue.start and cue.text for cue in cues)
    validate_webvtt(text)


def test_cues_keep_their_timings_and_text():
    cues = parse_webvtt(GOOD["hours_and_ids"])
    assert [(c.start, c.end, c.identifier) for c in cues] == [
        (0.5, 2.0, "intro"),
        (2.0, 3.25, ""),
    ]
    assert cues[0].text == "Hello\nthere"
    assert cues[1].plain_text == "Bye"


@pytest.mark.parametrize(("text", "line", "words"), BAD.values(), ids=BAD.keys())
def test_invalid_webvtt_is_refused_with_its_line_number(text, line, words):
    with pytest.raises(ValidationError) as caught:
        validate_webvtt(text)
    message = caught.value.messages[0]
    assert message.startswith(f"Line {line}:"), message
    assert words in message


def test_upload_that_is_not_utf8_is_refused_with_its_line():
    data = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nCaf" + b"\xe9\n"
    with pytest.raises(ValidationError) as caught:
        decode_upload(data)
    assert caught.value.messages[0].startswith("Line 4:")
    assert decode_upload(b"\xef\xbb\xbfWEBVTT\n") == "WEBVTT\n"


def test_a_mistyped_arrow_is_reported_on_its_own_line():
    with pytest.raises(ValidationError) as caught:
        validate_webvtt("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHi\n")
    assert caught.value.messages[0].startswith("Line 3: Invalid cue timings")


# Readable captions (issue 32, section 4): the ceilings are written out here, not
# imported, so a change of the writer's constants has to change this test too.
MAX_CPS = 17
MAX_LINE = 42
MAX_LINES = 2


def unreadable(cue) -> list[str]:
    """What is wrong with one cue for a reader, if anything."""
    lines = cue.text.split("\n")
    characters = len(cue.text.replace("\n", ""))
    problems = []
    if len(lines) > MAX_LINES:
        problems.append(f"{len(lines)} lines")
    problems += [
        f"{len(line)} characters on a line" for line in lines if len(line) > MAX_LINE
    ]
    speed = characters / (cue.end - cue.start)
    if speed > MAX_CPS + 1e-9:
        problems.append(f"{speed:.1f} characters a second")
    return problems


@pytest.fixture
def demo_captions_loaded(db, monkeypatch):
    """The demo loader's captions for every episode (clips not rendered)."""
    from stories import demo
    from stories.models import Episode

    monkeypatch.setattr(demo, "_needs_video", lambda episode, **kwargs: False)
    demo.load_stories()
    return Episode.objects.prefetch_related("captions").order_by("order")


def test_every_language_of_every_demo_episode_can_be_read(demo_captions_loaded):
    from stories.demo import LANGUAGES
    from stories.demo_text import EPISODES

    checked = 0
    for episode in demo_captions_loaded:
        captions = {caption.language: caption for caption in episode.captions.all()}
        assert sorted(captions) == sorted(LANGUAGES)
        for language, caption in captions.items():
            for cue in parse_webvtt(caption.text):
                assert not unreadable(cue), (episode.slug, language, cue)
                checked += 1
    assert len(demo_captions_loaded) == len(EPISODES) and checked


def test_demo_captions_say_everything_and_fit_the_clip(demo_captions_loaded):
    from stories.demo import DEMO_CLIP, demo_timeline
    from stories.demo_text import BEHIND, DEMO_CUE, EPISODES

    for data, episode in zip(EPISODES, demo_captions_loaded, strict=True):
        texts = [
            (DEMO_CUE[code], data[code][0], data[code][1], BEHIND[code])
            for code in ("en", "it", "fr", "de")
        ]
        timeline = demo_timeline(
            [(n, t, line, b.format(handle=data["handle"])) for n, t, line, b in texts],
            minimum=DEMO_CLIP["seconds"],
        )
        for caption in episode.captions.all():
            cues = parse_webvtt(caption.text)
            said = " ".join(cue.plain_text.replace("\n", " ") for cue in cues)
            notice, title, line, behind = next(
                t
                for t, code in zip(texts, ("en", "it", "fr", "de"), strict=True)
                if code == caption.language
            )
            behind = behind.format(handle=data["handle"])
            assert said == f"{notice} {title} {line} {behind}"
            assert cues[-1].end <= timeline.seconds
            # The credit starts with the reveal frame.
            assert any(abs(cue.start - timeline.reveal) < 0.002 for cue in cues)


WRITER_CASES = {
    "short": [(0.0, 2.0, "Hello")],
    "long_for_its_time": [
        (1.0, 12.0, "word " * 30),
        (12.5, 20.0, "A title\nand a line of text that is rather long for one screen."),
    ],
    "a_long_word": [(0.0, 10.0, "x" * 100)],
    "no_break_space_holds": [
        (0.0, 10.0, "Démo\u00a0: une description de cet épisode.")
    ],
}


@pytest.mark.parametrize("cues", WRITER_CASES.values(), ids=WRITER_CASES.keys())
def test_the_writer_splits_any_cue_into_readable_screens(cues):
    from stories.webvtt import write_webvtt

    written = parse_webvtt(write_webvtt(cues))
    for cue in written:
        assert not unreadable(cue), cue
    said = "".join(c.text.replace("\n", "").replace(" ", "") for c in written)
    assert said == "".join(
        "".join(text.split(" ")).replace("\n", "") for *_, text in cues
    )
    assert written[0].start == cues[0][0] and written[-1].end <= cues[-1][1]


def test_the_writer_splits_random_cues_within_their_time():
    import random

    from stories.webvtt import reading_seconds, write_webvtt

    rng = random.Random(32)
    vocabulary = [
        "a",
        "kind",
        "words",
        "Freundlichkeit",
        "l'épisode",
        "@handle,",
        "là.",
    ]
    for _round in range(200):
        at, cues = 0.0, []
        for _cue in range(rng.randint(1, 4)):
            text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 40)))
            length = reading_seconds(text) * rng.uniform(1.0, 2.0)
            cues.append((at, at + length, text))
            at += length + rng.uniform(0, 0.5)
        for cue in parse_webvtt(write_webvtt(cues)):
            assert not unreadable(cue), cue
            assert any(
                start - 1e-3 <= cue.start and cue.end <= end + 1e-3
                for start, end, _ in cues
            )


def test_the_writer_stretches_into_a_gap_and_refuses_to_hurry():
    from stories.webvtt import CueTooFast, write_webvtt

    text = "This sentence has too many characters for one second on screen."
    stretched = parse_webvtt(write_webvtt([(0.0, 1.0, text), (10.0, 11.0, "Next")]))
    assert stretched[-2].end <= 10.0 and not any(unreadable(c) for c in stretched)
    with pytest.raises(CueTooFast):
        write_webvtt([(0.0, 1.0, text), (1.5, 2.5, "Next")])
    with pytest.raises(CueTooFast):
        write_webvtt([(0.0, 1.0, text)], until=2.0)
