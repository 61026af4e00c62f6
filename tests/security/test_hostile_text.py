"""Issue "trust boundary", point 7: hostile text on the way in and on the way out.

Captions, report texts and moderators' notes lose control and invisible formatting
characters on the way in; limits count what a person sees; every public output
(HTML, Atom, Open Graph, the CSV export) stays well-formed and inert.
"""

import csv
import io
import xml.etree.ElementTree as ET
from http import HTTPStatus

import pytest
from django.urls import reverse

from challenge.models import Entry, Report
from core.text import clean_text, visible_length
from tests.challenge.factories import (
    entry_post_data,
    make_entry,
    make_participant,
    make_user,
)

S = Entry.State
BIDI = "\u202e"  # right-to-left override: "gpj.exe" shows as "exe.jpg"
HIDDEN = "\u200b\u2060\ufeff\u00ad"  # zero-width space, word joiner, BOM, soft hyphen
TAGS = "".join(chr(0xE0000 + ord(c)) for c in "ignore the rules")  # invisible text
CONTROL = "\x00\x0b\x1b[31m\x7f"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
SCRIPT = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"kind{CONTROL}ness", "kind [31mness"),
        (f"{BIDI}gpj.exe", "gpj.exe"),
        (f"be{HIDDEN} kind", "be kind"),
        (f"hello{TAGS}", "hello"),
        (f"family {FAMILY}", f"family {FAMILY}"),  # the joiners stay
        ("x\u0301\u0302\u0303\u0304\u0305\u0306a", "x\u0301\u0302\u0303a"),
        ("line one\nline two\tend", "line one line two end"),
    ],
)
def test_clean_text_removes_what_hides_or_breaks_text(raw, clean):
    assert clean_text(raw) == clean


def test_visible_length_counts_what_a_person_sees():
    assert visible_length("e\u0301te\u0301") == 3  # été, decomposed
    assert visible_length(FAMILY) == 1
    assert visible_length("\U0001f1eb\U0001f1f7\U0001f1ee\U0001f1f9") == 2  # FR IT
    assert visible_length("\U0001f44d\U0001f3fd") == 1  # thumbs up, skin tone


def _submit(client, caption, upload, callbacks):
    participant = make_participant()
    client.force_login(participant.user)
    with callbacks(execute=True):
        return client.post(
            "/en/challenge/submit/", entry_post_data(upload(), caption=caption)
        )


def test_a_hostile_caption_is_cleaned_on_the_way_in(
    client, campaign, upload, django_capture_on_commit_callbacks
):
    raw = f"{BIDI}My{CONTROL} friend{HIDDEN} helped me{TAGS}"
    response = _submit(client, raw, upload, django_capture_on_commit_callbacks)
    assert response.status_code == HTTPStatus.FOUND
    caption = Entry.objects.get().caption
    assert caption.startswith("My [31m friend helped me")
    assert not any(ch in caption for ch in BIDI + HIDDEN + TAGS + "\x00\x0b\x1b")


def test_a_caption_limit_counts_letters_not_code_points(
    client, campaign, upload, django_capture_on_commit_callbacks, settings
):
    settings.CHALLENGE_CAPTION_MAX = 20
    accented = "e\u0301" * 20  # 20 letters, 40 code points
    ok = _submit(client, accented, upload, django_capture_on_commit_callbacks)
    assert ok.status_code == HTTPStatus.FOUND
    too_long = _submit(
        client, accented + "e", upload, django_capture_on_commit_callbacks
    )
    assert too_long.status_code == HTTPStatus.OK
    assert "at most 20 characters" in too_long.content.decode()


def _feed_items(client) -> list[str]:
    response = client.get("/en/gallery/feed/")
    assert response.status_code == HTTPStatus.OK
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    ns = {"a": "http://www.w3.org/2005/Atom"}
    return [
        entry.findtext("a:summary", namespaces=ns)
        for entry in root.iterfind("a:entry", ns)
    ]


def test_the_feed_survives_old_rows_with_characters_xml_cannot_carry(client, db):
    entry = make_entry(state=S.APPROVED)
    # PostgreSQL refuses NUL itself; every other control character could be stored.
    old_row = f"kind{CONTROL.replace(chr(0), '')}words{SCRIPT}"
    Entry.objects.filter(pk=entry.pk).update(caption=old_row)
    summaries = _feed_items(client)
    assert any("kind [31mwords" in (text or "") for text in summaries)


def test_hostile_captions_stay_inert_in_every_public_page(client, db):
    entry = make_entry(state=S.APPROVED, caption=f"{SCRIPT} #CreateKindness")
    pages = [
        client.get(reverse("gallery:detail", kwargs={"pk": entry.pk})),
        client.get(reverse("gallery:list")),
        client.get(reverse("gallery:embed")),
        client.get("/en/"),
    ]
    for page in pages:
        assert page.status_code == HTTPStatus.OK
        html = page.content.decode()
        assert '<script>alert("x")' not in html
        assert "<img src=x onerror" not in html
        assert 'content="</script>' not in html  # Open Graph and Twitter tags
    assert SCRIPT in "".join(_feed_items(client))  # as text, escaped by the XML


def test_report_text_and_moderator_notes_are_cleaned_and_csv_safe(client, db):
    entry = make_entry(state=S.APPROVED)
    reporter = make_participant()
    client.force_login(reporter.user)
    client.post(
        reverse("gallery:report", kwargs={"pk": entry.pk}),
        {"reason": "other", "text": f"{BIDI}look{CONTROL} here{TAGS}"},
    )
    assert Report.objects.get().text == "look [31m here"

    moderator = make_user(superuser=True)
    client.force_login(moderator)
    client.post(
        reverse("admin:challenge_entry_decide", args=[entry.pk]),
        {
            "decision": "hide",
            "reason": "",
            "note": f'=HYPERLINK("http://evil.example"){HIDDEN}',
            "seen_state": S.APPROVED,
        },
    )
    export = client.get(reverse("admin:challenge_entryevent_export"))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    notes = [row[-1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in notes


def test_structured_data_stays_inside_its_script_block(client, db, make_episode):
    """Staff text too: an episode title that tries to close the JSON-LD block."""
    episode = make_episode(title_en=f"Kind {SCRIPT}")
    html = client.get(episode.get_absolute_url()).content.decode()
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>")[
        0
    ]
    assert "<script" not in block and "</" not in block
    assert '<script>alert("x")' not in html
