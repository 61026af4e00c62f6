"""`manage.py applypending` merges a branch's pending translations into the catalogues."""

import io
import json

import polib
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.fixture
def locale_dir(tmp_path, settings):
    for language in ("it", "fr"):
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        catalogue = polib.POFile()
        catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
        catalogue.append(polib.POEntry(msgid="Old", msgstr="vecchio", flags=["fuzzy"]))
        catalogue.save(str(folder / "django.po"))
    (tmp_path / "pending").mkdir()
    settings.LOCALE_PATHS = [tmp_path]
    return tmp_path


def test_new_updated_plural_and_context_entries_land_and_the_file_goes(locale_dir):
    pending = locale_dir / "pending" / "branch.json"
    pending.write_text(
        json.dumps(
            {
                "Old": {"it": "Vecchio"},
                "New text.": {"it": "Testo nuovo.", "fr": "Texte nouveau."},
                "%(n)s note|%(n)s notes": {"it": ["%(n)s nota", "%(n)s note"]},
                "button\u0004Post": {"fr": "Publier"},
            }
        ),
        encoding="utf-8",
    )
    call_command("applypending", stdout=io.StringIO())

    italian = polib.pofile(str(locale_dir / "it" / "LC_MESSAGES" / "django.po"))
    old = italian.find("Old")
    assert old.msgstr == "Vecchio" and "fuzzy" not in old.flags
    assert italian.find("New text.").msgstr == "Testo nuovo."
    plural = italian.find("%(n)s note")
    assert plural.msgid_plural == "%(n)s notes"
    assert plural.msgstr_plural == {0: "%(n)s nota", 1: "%(n)s note"}
    french = polib.pofile(str(locale_dir / "fr" / "LC_MESSAGES" / "django.po"))
    assert french.find("Post", msgctxt="button").msgstr == "Publier"
    assert not pending.exists()


def test_a_language_without_a_catalogue_is_refused_and_nothing_is_lost(locale_dir):
    pending = locale_dir / "pending" / "branch.json"
    pending.write_text(json.dumps({"Hi": {"es": "Hola"}}), encoding="utf-8")
    with pytest.raises(CommandError, match="no catalogue for es"):
        call_command("applypending")
    assert pending.exists()
