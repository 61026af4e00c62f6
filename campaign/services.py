"""Writes for the campaign: the helplines from the data file.

The helplines are facts every install needs, not demo content: they live in
campaign/data/helplines.json (sources in docs/helplines.md), and `helplines_load`
puts them in the database after every `migrate` (campaign/apps.py), from
`manage.py load_helplines` and from `demo_content`.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from core.countries import COUNTRY_CODES, OTHER_COUNTRY

from .models import Helpline
from .selectors import site_snapshot_forget

HELPLINES_FILE = Path(__file__).resolve().parent / "data" / "helplines.json"
PLAIN_FIELDS = (
    "country",
    "number",
    "url",
    "chat_url",
    "languages",
    "order",
    "in_short_lists",
)
PLAIN_DEFAULTS = {"order": 0, "in_short_lists": True}
# A translated field is a {language: text} object in the file; a name may also be
# one string, the same in every language (a proper name: "Telefono Azzurro").
TRANSLATED_FIELDS = ("name", "description", "hours")


class HelplineDataError(ValueError):
    """The data file is wrong; the message says which row and why."""


@dataclass
class HelplinesLoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"helplines: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )
        if self.kept_edited:
            text += (
                f"; kept as staff edited them: {', '.join(sorted(self.kept_edited))}"
            )
        return text


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _check_url(key: str, name: str, value: str) -> None:
    if value and urlsplit(value).scheme != "https":
        raise HelplineDataError(f"{key}: {name} must be an https:// address")


def _texts(row: dict, name: str) -> dict[str, str]:
    """{language: text} for every site language ("" where the file has none)."""
    texts = row.get(name) or {}
    if isinstance(texts, str):
        return dict.fromkeys(_languages(), texts)
    if not isinstance(texts, dict):
        return dict.fromkeys(_languages(), "")
    return {language: str(texts.get(language) or "") for language in _languages()}


def helplines_data(path: Path | None = None) -> list[dict]:
    """The rows of the data file, checked: a mistake stops the load with a message
    naming the row, and nothing is written."""
    try:
        document = json.loads((path or HELPLINES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise HelplineDataError(f"cannot read the helplines file: {error}") from error
    rows = document.get("helplines") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise HelplineDataError('the file needs a "helplines" list')
    seen = set()
    for position, row in enumerate(rows, start=1):
        key = row.get("key", "") if isinstance(row, dict) else ""
        if not key or slugify(key) != key:
            raise HelplineDataError(f"row {position}: needs a slug key")
        if key in seen:
            raise HelplineDataError(f"{key}: the key is used twice")
        seen.add(key)
        if row.get("country") not in COUNTRY_CODES - {OTHER_COUNTRY}:
            raise HelplineDataError(f"{key}: unknown country {row.get('country')!r}")
        if not all(_texts(row, "name").values()):
            raise HelplineDataError(f"{key}: needs a name (one, or one a language)")
        if not isinstance(row.get("in_short_lists", True), bool):
            raise HelplineDataError(f"{key}: in_short_lists is true or false")
        if not (row.get("number") or row.get("url") or row.get("chat_url")):
            raise HelplineDataError(f"{key}: needs a number, a website or a chat")
        _check_url(key, "url", row.get("url", ""))
        _check_url(key, "chat_url", row.get("chat_url", ""))
        for name in TRANSLATED_FIELDS:
            texts = _texts(row, name)
            if any(texts.values()) and not all(texts.values()):
                raise HelplineDataError(
                    f"{key}: {name} needs a text in {', '.join(_languages())}"
                )
    return rows


def _values(row: dict) -> dict:
    values = {
        name: row.get(name, PLAIN_DEFAULTS.get(name, "")) for name in PLAIN_FIELDS
    }
    for name in TRANSLATED_FIELDS:
        for language, text in _texts(row, name).items():
            values[f"{name}_{language}"] = text
    return values


def _current(line: Helpline, names) -> dict:
    return {name: getattr(line, name) for name in names}


def _digest(values: dict) -> str:
    encoded = json.dumps(values, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def helplines_load(
    *, path: Path | None = None, using: str = "default"
) -> HelplinesLoadReport:
    """Make the database match the data file, idempotently.

    A row is found by its `key`. A row staff edited in the admin (its fields no
    longer hash to what the loader last wrote) is left exactly as it is, and
    listed in the report; so is a staff row without a key. A row that left the
    data file is deleted unless staff edited it. Running it twice changes nothing
    the second time."""
    rows = helplines_data(path)
    report = HelplinesLoadReport()
    with transaction.atomic(using=using):
        existing = {
            line.key: line
            for line in Helpline.objects.using(using)
            .select_for_update()
            .filter(key__isnull=False)
        }
        for row in rows:
            key = row["key"]
            values = _values(row)
            digest = _digest(values)
            line = existing.pop(key, None)
            if line is None:
                Helpline.objects.using(using).create(
                    key=key, data_hash=digest, **values
                )
                report.created.append(key)
            elif _digest(_current(line, values)) != line.data_hash:
                report.kept_edited.append(key)
            elif line.data_hash == digest:
                report.unchanged.append(key)
            else:
                for name, value in values.items():
                    setattr(line, name, value)
                line.data_hash = digest
                line.save(using=using)
                report.updated.append(key)
        for key, line in existing.items():
            names = _values({}).keys()
            if _digest(_current(line, names)) == line.data_hash:
                line.delete(using=using)
                report.removed.append(key)
            else:
                report.kept_edited.append(key)
        if report.created or report.updated or report.removed:
            site_snapshot_forget()
    return report
