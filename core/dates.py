"""Dates in the reader's language, with the first of the month as that language
writes it: "1er janvier", "1° gennaio" (the other days are plain numbers).

A Django format string cannot depend on the day, so for day 1 the `j` of the
format becomes a literal ordinal before formatting.
"""

import datetime as dt
import re

from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.translation import get_language

# What the first of the month looks like, escaped for a Django format string.
FIRST_OF_MONTH = {"fr": r"1\e\r", "it": "1°"}
_DAY = re.compile(r"(?<!\\)j")


def format_day(value: dt.date | dt.datetime, format_name: str = "DATE_FORMAT") -> str:
    """`value` in `format_name` (DATE_FORMAT, DATETIME_FORMAT, MONTH_DAY_FORMAT…)
    of the active language; "1er"/"1°" on the first of a month."""
    language = (get_language() or "en").split("-")[0]
    pattern = get_format(format_name, use_l10n=True)
    if value.day == 1 and language in FIRST_OF_MONTH:
        pattern = _DAY.sub(lambda _m: FIRST_OF_MONTH[language], pattern)
    return dateformat.format(value, pattern)
