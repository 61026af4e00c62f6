"""core.reversing.reverse_pk gives what reverse() gives, only faster."""

import uuid

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import translation

from core.reversing import reverse_pk


@pytest.mark.parametrize("language", ["en", "it", "fr", "de"])
def test_an_entry_link_follows_the_language_of_the_page(language):
    with translation.override(language):
        expected = reverse("gallery:detail", kwargs={"pk": 42})
        assert reverse_pk("gallery:detail", 42) == expected
    assert expected.startswith(f"/{language}/")


@pytest.mark.parametrize("name", ["videos:video", "videos:poster"])
def test_a_media_link_is_what_reverse_gives_for_any_uuid(name):
    for pk in (uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)):
        assert reverse_pk(name, pk) == reverse(name, kwargs={"pk": pk})


def test_an_id_that_looks_like_part_of_the_pattern_is_formatted_in_whole():
    for pk in (0, 1, 9_876_543_210_123, 10**18):
        assert reverse_pk("gallery:detail", pk) == reverse(
            "gallery:detail", kwargs={"pk": pk}
        )


def test_a_site_under_a_script_prefix_gets_prefixed_links():
    set_script_prefix("/kindness/")
    try:
        assert reverse_pk("gallery:detail", 7) == reverse(
            "gallery:detail", kwargs={"pk": 7}
        )
        assert reverse_pk("gallery:detail", 7).startswith("/kindness/")
    finally:
        set_script_prefix("/")
