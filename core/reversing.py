"""reverse() once per URL name, then format the id in: for links a page repeats.

A gallery page links fifty entries and files; reversing each costs more than the
rest of the card. The pattern is kept per URL name, language (i18n prefixes),
script prefix and URLconf, so it is what reverse() would give.
"""

import functools
import uuid

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_UUID_SAMPLE = uuid.UUID(int=0)
_INT_SAMPLE = 9_876_543_210_123


def reverse_pk(viewname: str, pk: int | uuid.UUID) -> str:
    """The same as reverse(viewname, kwargs={"pk": pk}), for int and UUID ids."""
    sample = _INT_SAMPLE if isinstance(pk, int) else _UUID_SAMPLE
    pattern = _pattern(
        viewname,
        sample,
        get_language(),
        get_script_prefix(),
        str(get_urlconf() or settings.ROOT_URLCONF),
    )
    return pattern.format(pk=pk)


@functools.lru_cache(maxsize=256)
def _pattern(viewname, sample, language, script_prefix, urlconf) -> str:
    url = reverse(viewname, kwargs={"pk": sample})
    return url.replace("{", "{{").replace("}", "}}").replace(str(sample), "{pk}")
