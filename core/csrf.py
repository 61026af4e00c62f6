"""CSRF tokens in pages kept for many visitors (the gallery's page cache, the copies
served while the database is away): the page is kept with a placeholder in its
form fields, and each visitor's own token is put in when it is served.

The placeholder is filled where `{% csrf_token %}` put it, never anywhere else: a
note or a caption may hold its text (and once showed each visitor their own token),
but user content is escaped, so it can never hold this markup with its quotes.
"""

import re

from django.middleware.csrf import get_token

CSRF_PLACEHOLDER = "kh-csrf-placeholder-0f3c9a"
_FIELD = 'name="csrfmiddlewaretoken" value="{}"'
_FILLED = _FIELD.format(CSRF_PLACEHOLDER).encode()
_ANY_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def csrf_placeholder_put(content: bytes) -> bytes:
    """The page with every form's token replaced by the placeholder."""
    return _ANY_TOKEN.sub(_FILLED, content)


def csrf_placeholder_fill(request, content: bytes) -> bytes:
    """The kept page with this visitor's own token in its form fields."""
    if _FILLED not in content:
        return content
    return content.replace(_FILLED, _FIELD.format(get_token(request)).encode())
