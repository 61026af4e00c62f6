"""Merge translations waiting in locale/pending/*.json into the catalogues.

Work that adds strings on a branch writes them to its own pending file instead of
editing the .po catalogues, so that parallel branches never conflict there. Each
file maps a msgid to its translations:

    {"Demo entry.": {"it": "…", "fr": "…", "de": "…"},
     "<singular>|<plural>": {"it": ["<one>", "<other>"], …},
     "<context>\\u0004<msgid>": {…}}

This command writes them into locale/<lang>/LC_MESSAGES/django.po (adding entries
`makemessages` has not extracted yet, replacing older translations) and deletes the
pending files it applied. Run `makemessages` afterwards to refresh the references.
"""

import json
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

CONTEXT_SEPARATOR = "\u0004"


def _entry_key(key: str) -> tuple[str | None, str, str | None]:
    context = None
    if CONTEXT_SEPARATOR in key:
        context, key = key.split(CONTEXT_SEPARATOR, 1)
    if "|" in key:
        singular, plural = key.split("|", 1)
        return context, singular, plural
    return context, key, None


def apply_translation(catalogue: polib.POFile, key: str, text) -> None:
    context, msgid, plural = _entry_key(key)
    entry = next(
        (e for e in catalogue if e.msgid == msgid and (e.msgctxt or None) == context),
        None,
    )
    if entry is None:
        entry = polib.POEntry(msgid=msgid, msgctxt=context)
        if plural:
            entry.msgid_plural = plural
        catalogue.append(entry)
    if plural:
        if not isinstance(text, list):
            raise CommandError(f"{key!r}: a plural needs a list of forms")
        entry.msgid_plural = plural
        entry.msgstr_plural = dict(enumerate(text))
    else:
        entry.msgstr = text
    entry.obsolete = False
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")


class Command(BaseCommand):
    help = "Merge locale/pending/*.json into the .po catalogues, then delete them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep", action="store_true", help="keep the pending files afterwards"
        )

    def handle(self, *args, keep=False, **options):
        locale_dir = Path(settings.LOCALE_PATHS[0])
        pending = sorted((locale_dir / "pending").glob("*.json"))
        if not pending:
            self.stdout.write("nothing pending")
            return
        catalogues: dict[str, polib.POFile] = {}
        for path in pending:
            for key, translations in json.loads(path.read_text("utf-8")).items():
                for language, text in translations.items():
                    po_path = locale_dir / language / "LC_MESSAGES" / "django.po"
                    if not po_path.exists():
                        raise CommandError(f"{path.name}: no catalogue for {language}")
                    if language not in catalogues:
                        catalogues[language] = polib.pofile(str(po_path), wrapwidth=79)
                    apply_translation(catalogues[language], key, text)
            self.stdout.write(f"applied {path.name}")
        for catalogue in catalogues.values():
            catalogue.save()
        if not keep:
            for path in pending:
                path.unlink()
