"""The gallery's filters as chips (links that apply at once, no submit button) and
the column count that makes the desktop grid's rows fill."""

from http import HTTPStatus

import pytest

from challenge.models import Entry
from challenge.views.gallery import rows_that_fill
from tests.challenge.factories import make_entry
from tests.challenge.gallery.helpers import LIST

pytestmark = pytest.mark.django_db


def chips(response) -> dict:
    return {
        key: [(label, url, current) for label, url, current in group]
        for key, _, group in response.context["chip_groups"]
    }


def test_the_filters_are_links_without_a_submit_button(client):
    make_entry(state=Entry.State.APPROVED)
    response = client.get(LIST)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'class="gallery-chips"' in html
    nav = html.split('class="gallery-chips"')[1].split("</nav>")[0]
    assert "<select" not in nav
    assert "<button" not in nav
    groups = chips(response)
    assert groups["sort"] == [
        ("Newest first", LIST, True),
        ("Most hearted", "?sort=hearts", False),
    ]
    assert groups["language"][0] == ("All languages", LIST, True)


def test_a_chip_keeps_the_other_choices_and_starts_again_from_the_top(client):
    make_entry(state=Entry.State.APPROVED)
    response = client.get(LIST, {"sort": "hearts", "tag": "kindness", "after": "x"})
    groups = chips(response)
    words = {label: url for label, url, _ in groups["prompt"]}
    assert words["Kind words that inspired you"] == (
        "?sort=hearts&tag=kindness&prompt=words"
    )
    assert ("Newest first", "?tag=kindness", False) in groups["sort"]
    assert all("after=" not in url for group in groups.values() for _, url, _ in group)


@pytest.mark.parametrize(
    ("count", "fewest", "most", "columns"),
    [
        (0, 4, 6, 1),
        (3, 4, 6, 3),
        (5, 4, 6, 5),
        (6, 4, 6, 6),
        (7, 4, 6, 4),
        (9, 4, 6, 5),
        (10, 4, 6, 5),
        (12, 4, 6, 6),
        (24, 4, 6, 6),
        (24, 3, 4, 4),
        (9, 3, 4, 3),
        (48, 4, 6, 6),
    ],
)
def test_the_columns_leave_the_fewest_empty_places(count, fewest, most, columns):
    assert rows_that_fill(count, fewest=fewest, most=most) == columns
