"""Benchmark the public gallery at size against the cheapest view on the same server.

    .venv/bin/python bench/gallery.py                    # 100,000 entries, SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kh_bench \\
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/gallery.py
    .venv/bin/python bench/gallery.py --count 20000 --seconds 5 --reuse

1. Prepares a database (PostgreSQL if DATABASE_URL is set, else SQLite in a temporary
   DATA_DIR): migrate, then `gallery_seed --count N` (skipped with --reuse when the
   entries are already there), and collectstatic.
2. Starts gunicorn on loopback (DJANGO_DEBUG=0, BENCH_PING=1, one worker per core,
   4 threads each) with the Redis cache when REDIS_URL is set.
3. For each URL: /bench/ping (the ceiling: a view that returns "ok"), the first
   gallery page and a deep page (page 1,000 by default, reached with a real keyset
   cursor), with the gallery cache on, then with it off (GALLERY_CACHE_SECONDS=0:
   every request runs the page query). A small load client (threads, keep-alive
   HTTP/1.1) runs for a bounded time per URL.
Prints requests per second, p50 and p95 latency, and the ratio to the ceiling.
"""

import argparse
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(data_dir: Path, extra: dict | None = None) -> dict:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "BENCH_PING": "1",
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": "khbench",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.update(extra or {})
    return env


def _manage(env, *args, quiet=True):
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def _deep_cursor(env, page: int, size: int) -> str:
    """The real cursor of page `page` (what following "More entries" would give)."""
    code = (
        "import django; django.setup();"
        "from challenge.selectors.gallery import public_entries, cursor_encode;"
        f"e = public_entries().order_by('-approved_at', '-id')[{page * size - 1}];"
        "print(cursor_encode(sort='new', entry=e))"
    )
    out = subprocess.run(
        [PYTHON, "-c", code],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _count(env) -> int:
    code = (
        "import django; django.setup();"
        "from challenge.selectors.gallery import public_entries;"
        "print(public_entries().count())"
    )
    out = subprocess.run(
        [PYTHON, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    try:
        return int(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return 0


class Server:
    def __init__(self, env, workers: int):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--keep-alive",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=2
                )
                connection.request("GET", "/bench/ping")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def load(port: int, path: str, *, seconds: float, threads: int) -> dict:
    """Keep-alive GETs from `threads` clients for `seconds`; latencies in ms."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    stop_at = time.monotonic() + seconds

    def client(index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            latencies[index].append((time.perf_counter() - started) * 1000)
        connection.close()

    # Warm up (first request fills the page cache and the connection pools).
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(5):
        warm.request("GET", path)
        warm.getresponse().read()
    warm.close()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    begun = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - begun
    every = sorted(value for chunk in latencies for value in chunk)
    if not every:
        return {"rps": 0, "p50": 0, "p95": 0, "errors": sum(errors)}
    return {
        "rps": len(every) / elapsed,
        "p50": statistics.median(every),
        "p95": every[int(len(every) * 0.95) - 1],
        "errors": sum(errors),
    }


def _ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in DATABASE_URL when it is missing."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = (
        parsed._replace(path="/postgres")
        .geturl()
        .replace("postgres://", "postgresql://", 1)
    )
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            )
            print(f"created database {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--threads", type=int, default=8, help="load client threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--deep-page", type=int, default=1000)
    parser.add_argument("--data-dir", default="", help="reuse this DATA_DIR")
    parser.add_argument("--reuse", action="store_true", help="skip seeding if seeded")
    args = parser.parse_args()

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="kh-bench-"))
    env = _env(data_dir)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    cache = "Redis" if os.environ.get("REDIS_URL") else "local memory (per process)"
    print(f"database: {database}; cache: {cache}; data: {data_dir}")
    started = time.monotonic()
    _ensure_database(os.environ.get("DATABASE_URL", ""))
    _manage(env, "migrate", "--noinput")
    existing = _count(env)
    if not (args.reuse and existing >= args.count):
        if existing:
            _manage(env, "gallery_seed", "--clear")
        _manage(env, "gallery_seed", "--count", str(args.count))
    _manage(env, "collectstatic", "--noinput")
    total = _count(env)
    print(f"prepared {total} approved entries in {time.monotonic() - started:.0f} s")

    size = 24
    deep_page = min(args.deep_page, max(1, total // size - 1))
    cursor = _deep_cursor(env, deep_page, size)
    urls = [
        ("ceiling /bench/ping", "/bench/ping"),
        ("gallery page 1", "/en/gallery/"),
        (f"gallery page {deep_page + 1}", f"/en/gallery/?after={cursor}"),
    ]
    results = []
    for label, extra in (
        ("cache on", {}),
        ("cache off", {"GALLERY_CACHE_SECONDS": "0"}),
    ):
        server = Server(
            _env(data_dir, {**extra, "GALLERY_PAGE_SIZE": str(size)}), args.workers
        )
        try:
            ceiling = None
            for name, path in urls:
                figures = load(
                    server.port, path, seconds=args.seconds, threads=args.threads
                )
                ceiling = ceiling or figures["rps"]
                results.append((label, name, figures, figures["rps"] / ceiling))
        finally:
            server.stop()

    print()
    print(
        f"{'':10} {'url':24} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'x ceiling':>9} {'errors':>6}"
    )
    for label, name, figures, ratio in results:
        print(
            f"{label:10} {name:24} {figures['rps']:8.0f} {figures['p50']:8.1f} "
            f"{figures['p95']:8.1f} {ratio:9.2f} {figures['errors']:6d}"
        )
    if not args.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
