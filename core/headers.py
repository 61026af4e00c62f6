"""Numbers read from request headers (Range, Upload-Length, Upload-Offset…)."""

# 2**63 - 1, the largest size or offset a database column holds, has 19 digits.
BYTE_COUNT_DIGITS = 19


def header_number(value: str) -> int | None:
    """A byte count or an offset: ASCII digits, at most BYTE_COUNT_DIGITS of them;
    None for anything else. The length is checked before int(), which raises past
    4,300 digits: a header of 5,000 nines was a 500 instead of a 400."""
    if value.isascii() and value.isdigit() and len(value) <= BYTE_COUNT_DIGITS:
        return int(value)
    return None
