"""Benchmark the public gallery at size against the cheapest view on the same server.

    .venv/bin/python bench/gallery.py                    # 100,000 entries, SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/gallery.py --reuse
    .venv/bin/python bench/gallery.py --count 20000 --pairs 7 --seconds 2

1. Prepares a database (PostgreSQL if DATABASE_URL is set, else SQLite in a temporary
   DATA_DIR): migrate, then `gallery_seed --count N` (skipped with --reuse when the
   entries are already there), and collectstatic.
2. Starts gunicorn on loopback through bench/harness.py (DJANGO_DEBUG=0, BENCH_PING=1,
   pinned to its own core, wrk on the other) with the Redis cache when REDIS_URL is set.
3. Compares with /bench/ping (the trivial view) the first gallery page, a deep page
   (page 1,001 by default, reached with a real keyset cursor) and an entry page, with
   the gallery caches on, then off (GALLERY_CACHE_SECONDS=0: every request runs the
   page query and renders it), and the newest entry's page carrying 1,000 kind notes
   (`notes_seed`; issue 14's goal: ≥ 0.5× the trivial view). Each comparison alternates ping and the page in short
   wrk runs (A B A B …, --pairs pairs).
Prints, per comparison, the median ratio to the trivial view with its min-max, and
last a line saying whether every spread stayed within ±15 %.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402  (bench/harness.py)
    BASE_DIR,
    PYTHON,
    Server,
    bench_env,
    compare,
    django_output,
    ensure_database,
    header,
    manage,
    verdict,
)


def _deep_cursor(env, page: int, size: int) -> tuple[str, int]:
    """The real cursor of page `page` (what following "More entries" would give),
    and the id of the entry it starts after (the entry page measured)."""
    code = (
        "from challenge.selectors.gallery import public_entries, cursor_encode;"
        f"e = public_entries().order_by('-approved_at', '-id')[{page * size - 1}];"
        "print(cursor_encode(sort='new', entry=e), e.pk)"
    )
    cursor, pk = django_output(env, code).split()
    return cursor, int(pk)


def _notes_entry(env, count: int) -> str:
    """Put `count` seeded notes (and only those) under the newest entry; its path."""
    manage(env, "notes_seed", "--clear")
    out = subprocess.run(
        [PYTHON, "manage.py", "notes_seed", "--count", str(count)],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _count(env) -> int:
    """Approved entries so far; 0 when the database cannot say (not seeded yet)."""
    code = (
        "from challenge.selectors.gallery import public_entries;"
        "print(public_entries().count())"
    )
    try:
        return int(django_output(env, code, check=False))
    except ValueError:
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=5, help="A B pairs per figure")
    parser.add_argument(
        "--seconds", type=float, default=0, help="per wrk run (0: long enough)"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--deep-page", type=int, default=1000)
    parser.add_argument("--notes", type=int, default=1000, help="notes on one entry")
    parser.add_argument("--data-dir", default="", help="reuse this DATA_DIR")
    parser.add_argument("--reuse", action="store_true", help="skip seeding if seeded")
    parser.add_argument(
        "--only", choices=["on", "off"], help="only the cache on / off round"
    )
    args = parser.parse_args()

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="kh-bench-"))
    env = bench_env(data_dir)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    cache = "Redis" if os.environ.get("REDIS_URL") else "local memory (per process)"
    header("bench/gallery.py")
    print(f"database: {database}; cache: {cache}; data: {data_dir}")
    started = time.monotonic()
    ensure_database(os.environ.get("DATABASE_URL", ""))
    manage(env, "migrate", "--noinput")
    existing = _count(env)
    if not (args.reuse and existing >= args.count):
        if existing:
            manage(env, "gallery_seed", "--clear")
        manage(env, "gallery_seed", "--count", str(args.count))
    manage(env, "collectstatic", "--noinput")
    total = _count(env)
    print(f"prepared {total} approved entries in {time.monotonic() - started:.0f} s")

    size = 24
    deep_page = min(args.deep_page, max(1, total // size - 1))
    cursor, entry_pk = _deep_cursor(env, deep_page, size)
    notes_path = _notes_entry(env, args.notes)
    ping = ("ping", "/bench/ping")
    pages = [
        ("gallery page 1", "/en/gallery/"),
        (f"gallery page {deep_page + 1}", f"/en/gallery/?after={cursor}"),
        ("entry page", f"/en/gallery/{entry_pk}/"),
        (f"entry page with {args.notes:,} notes", notes_path),
    ]
    rounds = [("cache on", {}), ("cache off", {"GALLERY_CACHE_SECONDS": "0"})]
    if args.only:
        rounds = [rounds[0 if args.only == "on" else 1]]
    results = []
    for label, extra in rounds:
        server_env = bench_env(data_dir, {**extra, "GALLERY_PAGE_SIZE": str(size)})
        with Server(server_env, workers=args.workers) as server:
            server.warm_up([ping[1]] + [path for _, path in pages])
            for name, path in pages:
                result = compare(
                    server,
                    ping,
                    (f"{label}: {name}", path),
                    pairs=args.pairs,
                    seconds=args.seconds,
                    connections=args.connections,
                )
                print(result.line(), flush=True)
                results.append(result)
    print(verdict(results))
    if not args.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
