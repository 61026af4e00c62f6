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
