"""Every UI string is translated into Italian, French and German."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.conftest import copy_project, service_missing

BASE_DIR = Path(__file__).resolve().parents[2]
LANGUAGES = ["it", "fr", "de"]


def pending_msgids() -> set[str]:
    msgids: set[str] = set()
    for path in (BASE_DIR / "locale" / "pending").glob("*.json"):
        for key, forms in json.loads(path.read_text()).items():
            assert set(forms) == set(LANGUAGES), f"{path.name}: {key!r}"
            msgids.add(key.split("\u0004")[-1].split("|")[0])
    return msgids


def catalogue(root: Path, lang: str) -> polib.POFile:
    return polib.pofile(str(root / "locale" / lang / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_no_untranslated_or_fuzzy_string(lang):
    po = catalogue(BASE_DIR, lang)
    missing = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]
    assert missing == []
    assert len(po.translated_entries()) > 500


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_survive_translation(lang):
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for entry in catalogue(BASE_DIR, lang).translated_entries():
        source = sorted(pattern.findall(entry.msgid_plural or entry.msgid))
        targets = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for target in targets:
            assert set(pattern.findall(target)) <= set(source), entry.msgid


@pytest.mark.slow
def test_no_string_in_the_code_is_missing_from_the_catalogues(tmp_path):
    """Extract the strings again (makemessages needs GNU gettext) and compare."""
    if not shutil.which("xgettext"):
        service_missing("GNU gettext (xgettext) is not installed")
    copy_project(tmp_path, skip=("tests/", "bench/"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "it", "--no-obsolete"],
        cwd=tmp_path,
        env={"DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in catalogue(tmp_path, "it") if not e.obsolete}
    committed = {e.msgid for e in catalogue(BASE_DIR, "it") if not e.obsolete}
    assert len(fresh) > 500
    # Strings a helper added wait, translated, in locale/pending/<branch>.json until
    # the lead merges them into the catalogues.
    committed |= pending_msgids()
    assert sorted(fresh - committed) == [], (
        "run makemessages and translate the new strings"
    )
