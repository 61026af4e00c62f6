"""The deletion journal: what people deleted, kept outside the database, so that a
restore from a backup taken before the delete can delete it again.

A backup is a copy of the database (and of the bucket) at one moment. Restored, it
brings back every account, entry and video deleted after that moment: a child who
deleted their account on Tuesday would be back in Wednesday's restore of Monday's
backup. Each delete appends one line here once its transaction commits, with ids
only (never a name, an address or a caption): `{"at": …, "kind": …, "id": …}` plus
what the kind needs to be replayed. After a restore, `manage.py deletions_replay
--since <the backup's time>` hands the lines to the replayers listed in
settings.DELETION_REPLAYERS (each app knows how to delete its own rows again;
core imports no app), accounts first, then entries, then videos.

One file per day (UTC) under DELETION_JOURNAL_DIR, appended with O_APPEND and
fsync'd: lines from several processes never interleave. Keep that folder out of the
database's disk and copy it off the machine as often as the WAL (docs/deploy.md);
files older than DELETION_JOURNAL_DAYS (longer than the oldest backup kept) are
deleted by the daily retention sweep.
"""

import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Replayed in this order: an account's deletion takes its entries and videos with
# it, an entry's erasure its video.
KINDS = ("account", "entry", "video")


def _folder() -> Path:
    return Path(settings.DELETION_JOURNAL_DIR)


def deletion_record(kind: str, key, **details) -> None:
    """Append a line for this delete once the caller's transaction commits (a
    rolled-back delete deleted nothing). Must run inside that transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of deletion: {kind!r}")
    line = {"kind": kind, "id": str(key), **details}
    transaction.on_commit(lambda: _append(line))


def _append(line: dict) -> None:
    """Write one line; a journal that cannot be written is logged as an error (the
    delete itself has committed and stands: the operator must know the journal
    has a hole, which docs/deploy.md says how to watch)."""
    now = timezone.now()
    data = json.dumps({"at": now.isoformat(), **line}, separators=(",", ":"))
    path = _folder() / f"{now:%Y-%m-%d}.jsonl"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (data + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError:
        log.exception("deletion journal: could not write %s", data)


def deletions_since(since: dt.datetime) -> Iterator[dict]:
    """Every line written at or after `since`, oldest first (a torn last line, from
    a machine that stopped mid-write, is skipped)."""
    day = since.astimezone(dt.UTC).date()
    for path in sorted(_folder().glob("*.jsonl")):
        try:
            if dt.date.fromisoformat(path.stem) < day:
                continue
        except ValueError:
            continue
        for raw in path.read_text().splitlines():
            try:
                line = json.loads(raw)
                at = dt.datetime.fromisoformat(line["at"])
            except (ValueError, KeyError, TypeError):
                log.warning("deletion journal: unreadable line in %s", path.name)
                continue
            if at >= since:
                yield line


def deletions_replay(since: dt.datetime) -> dict[str, int]:
    """Delete again what the journal says was deleted at or after `since` (the time
    of the backup a restore came from); {kind: how many were still there}. Each
    replayer is idempotent: what is already gone counts 0."""
    lines = list(deletions_since(since))
    done = {}
    for kind in KINDS:
        replay = import_string(settings.DELETION_REPLAYERS[kind])
        done[kind] = sum(bool(replay(line)) for line in lines if line["kind"] == kind)
    return done


def journal_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the days older than DELETION_JOURNAL_DAYS; how many files went."""
    now = now or timezone.now()
    oldest = (now - dt.timedelta(days=settings.DELETION_JOURNAL_DAYS)).date()
    count = 0
    for path in _folder().glob("*.jsonl"):
        try:
            if dt.date.fromisoformat(path.stem) < oldest:
                path.unlink(missing_ok=True)
                count += 1
        except ValueError:
            continue
    return count
