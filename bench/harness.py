"""Figures that hold still: a compiled load client, alternated runs, a median ratio.

Every benchmark that compares two things goes through this module:

    from harness import Server, compare, report_load, wrk_path
    with Server(env) as server:                      # gunicorn, pinned with taskset
        server.warm_up(["/bench/ping", "/en/gallery/"])
        result = compare(server, ("ping", "/bench/ping"), ("gallery", "/en/gallery/"))
    print(result.line())
    print(verdict([result]))                         # last line: spread ok or not

- The load client is `wrk` (Debian's, compiled, one thread), installed with apt-get
  when it is missing, so it takes a small, steady share of the CPU.
- With two cores or more, wrk runs on the last core and the server on the others
  (`taskset`); PostgreSQL and Redis are not pinned.
- A comparison alternates the baseline and the measured side, A B A B …, `pairs`
  times with short runs; each pair gives one ratio (B / A), and the result is the
  median of these ratios with their min–max. Noise from other work on the machine
  hits both sides of a pair alike, and the median drops the pairs it hit unevenly.
- `verdict()` is the last line: it names every comparison whose spread is wider than
  ±15 % of its median.
"""

import contextlib
import http.client
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SPREAD_LIMIT = 0.15
MIN_REQUESTS = 300  # per run when its length is chosen automatically
# Each automatically timed run lasts at least MIN_SECONDS: with 1-second runs the
# cached pages' medians moved between 0.45 and 0.60 from one run to the next; with
# 5-second runs three runs in a row agreed within ±2 % (docs/performance.md, issue 12).
MIN_SECONDS = 5
MAX_SECONDS = 6
# Debian's Chromium (never `playwright install`) and the flags every browser run here
# uses: benchmarks, screenshots and the suite's browser tests (tests/browser.py).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]

# wrk's Lua hook: the summary as one JSON line, so nothing depends on its text layout.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "micros": %d, "p50": %d, "p99": %d, '
    .. '"errors": %d, "status": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


# --- the machine ------------------------------------------------------------------


def cpu_split() -> tuple[str, str]:
    """(client cores, server cores) for taskset; ("", "") on a single core."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2 or not shutil.which("taskset"):
        return "", ""
    return str(cores[-1]), ",".join(str(core) for core in cores[:-1])


# Scheduling priority of the server and wrk (`nice`; below 0 needs root). On a
# machine shared with other work, -10 keeps their share of the CPU steady. With
# autogroup scheduling (Linux's default for desktops and many VMs) a process's nice
# only counts inside its session, so the server's session gets it as well.
NICE = int(os.environ.get("BENCH_NICE", "0"))


def set_session_nice(pid: int) -> None:
    """Give the session (autogroup) of `pid` the NICE priority, where there is one."""
    autogroup = Path(f"/proc/{pid}/autogroup")
    if NICE and autogroup.exists():
        try:
            autogroup.write_text(str(NICE))
        except OSError as error:
            print(f"could not set the server's session priority: {error}")


def pinned(command: list[str], cores: str) -> list[str]:
    """`command` on `cores` (taskset) at the NICE priority."""
    if NICE:
        command = ["nice", "-n", str(NICE), *command]
    return ["taskset", "-c", cores, *command] if cores else command


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def wrk_path() -> str:
    """Debian's wrk; installed with apt-get (as .ci/run installs Chromium) if absent."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = ["apt-get", "install", "-y", "-qq", "wrk"]
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise SystemExit("bench needs wrk: run `sudo apt-get install -y wrk`")
        apt = ["sudo", *apt]
    print("installing wrk (Debian package) …", flush=True)
    subprocess.run(
        apt,
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
    )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("apt-get did not install wrk")
    return found


# --- the server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(data_dir: Path, extra: dict | None = None) -> dict:
    """The environment of a production-like server on loopback (DEBUG off)."""
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


def ensure_database(url: str) -> None:
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


def django_output(env: dict, code: str, *, check: bool = True) -> str:
    """Run `code` in a fresh Python with Django set up (the benchmark's settings in
    `env`); the last line it printed ("" when none)."""
    out = subprocess.run(
        [PYTHON, "-c", "import django; django.setup()\n" + code],
        cwd=BASE_DIR,
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )
    lines = out.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def manage(env: dict, *args: str, quiet: bool = True) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


class Server:
    """gunicorn (gthread) on loopback, pinned to the server cores; a context manager.

    The shape production runs (config/gunicorn.conf.py's defaults): 2 x cores + 1
    workers, 2 threads each, here counting the server's cores only; no access log.
    Ready once /bench/ping answers.
    """

    def __init__(
        self,
        env: dict,
        *,
        workers: int = 0,
        threads: int = 2,
        cores: str | None = None,
        log: Path | None = None,
    ):
        """`cores`: the taskset list; None takes the server's share of cpu_split(),
        "" runs unpinned (beside clients that need every core, such as browsers).
        `log`: a file for the server's output (else it goes to this terminal)."""
        # `kill` (SIGTERM) stops the benchmark through its `with` blocks, so the
        # server (in its own session) is stopped too.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        self.port = free_port()
        if cores is None:
            _, cores = cpu_split()
        self.cores = cores
        count = len(cores.split(",")) if cores else os.cpu_count() or 1
        self.workers = workers or 2 * count + 1
        command = [
            PYTHON, "-m", "gunicorn", "config.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--threads", str(threads),
            "--worker-class", "gthread",
            "--keep-alive", "30",
            "--log-level", "warning",
        ]  # fmt: skip
        output = log.open("ab") if log else None
        self.process = subprocess.Popen(
            pinned(command, cores),
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
        set_session_nice(self.process.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited at start")
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
        raise RuntimeError("gunicorn did not start (is BENCH_PING=1 set?)")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def warm_up(self, paths: list[str], *, seconds: float = 2) -> None:
        """Fill caches, pools and the workers' imports; refuse a URL that fails."""
        for path in paths:
            status, _ = self.get(path)
            if status != 200:
                raise SystemExit(f"{path} answered {status}, not 200")
            run_wrk(self.port, path, seconds=seconds)

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn's workers, every thread, from the
        scheduler's own nanosecond counters (/proc/<pid>/task/<tid>/schedstat)."""
        return sum(cpu_seconds_of(worker) for worker in _children(self.process.pid))

    def stop(self) -> None:
        stop_session(self.process, timeout=15)


def stop_session(process: subprocess.Popen, *, timeout: float) -> None:
    """SIGTERM a process started with start_new_session and everything in its
    session; SIGKILL after `timeout` seconds."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _exit_on_signal(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def cpu_seconds_of(pid: int) -> float:
    """CPU time used so far by one process, every thread, from the scheduler's own
    nanosecond counters (/proc/<pid>/task/<tid>/schedstat); 0 once it has exited."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        # A thread may end between the listing and the read.
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(task.read_text().split()[0])
    return total / 1e9


def process_tree(pid: int) -> list[int]:
    """`pid` and every live descendant (a browser's renderers, a pool's children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += _children(current)
    return found


def _children(pid: int) -> list[int]:
    """The direct children of `pid` (gunicorn's workers; `taskset` execs in place)."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            children += [int(child) for child in task.read_text().split()]
    return children


# --- wrk runs and comparisons ------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors and non-2xx/3xx answers
    requests: int = 0
    cpu_ms: float = 0.0  # the server's CPU time per request (0: not measured)


def run_wrk(port: int, path: str, *, seconds: float = 2, connections: int = 8) -> Run:
    """One wrk run (one thread, keep-alive) on the client core."""
    client, _ = cpu_split()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    try:
        command = [
            wrk_path(), "--threads", "1", "--connections", str(connections),
            "--duration", f"{max(1, round(seconds))}s", "--timeout", "10s",
            "--script", script.name, f"http://127.0.0.1:{port}{path}",
        ]  # fmt: skip
        output = subprocess.run(
            pinned(command, client), capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    return parse_wrk(output)


def parse_wrk(output: str) -> Run:
    line = next(line for line in output.splitlines() if line.startswith('{"requests"'))
    summary = json.loads(line)
    seconds = summary["micros"] / 1e6 or 1
    return Run(
        rps=summary["requests"] / seconds,
        p50_ms=summary["p50"] / 1000,
        p99_ms=summary["p99"] / 1000,
        errors=summary["errors"] + summary["status"],
        requests=summary["requests"],
    )


@dataclass
class Comparison:
    label: str
    ratios: list[float]
    baseline: list[float] = field(default_factory=list)  # the A sides (req/s or s)
    measured: list[float] = field(default_factory=list)  # the B sides
    cpu_ratios: list[float] = field(default_factory=list)  # server CPU A / B per req
    p50_ms: float = 0.0
    cpu_ms: float = 0.0  # the server's CPU time per request of the measured side
    errors: int = 0
    unit: str = "req/s"
    lost: int = 0  # pairs where one side finished no request: no ratio
    seconds: float = 0.0  # length of each run

    @property
    def median(self) -> float:
        return statistics.median(self.ratios) if self.ratios else float("nan")

    @property
    def spread(self) -> float:
        """The widest distance of a pair's ratio from the median, as a fraction."""
        if not self.ratios:
            return float("inf")
        median = self.median
        return max(abs(ratio - median) for ratio in self.ratios) / median

    @property
    def too_wide(self) -> bool:
        return not self.spread <= SPREAD_LIMIT or self.lost > len(self.ratios)

    def line(self) -> str:
        sides = (
            f"{statistics.median(self.measured):8.0f} vs "
            f"{statistics.median(self.baseline):6.0f} {self.unit}"
            if self.unit == "req/s"
            else f"{statistics.median(self.measured):8.2f} vs "
            f"{statistics.median(self.baseline):6.2f} {self.unit}"
        )
        latency = f"  p50 {self.p50_ms:5.1f} ms" if self.p50_ms else ""
        if self.seconds:
            latency += f"  {len(self.ratios)}x{self.seconds:.0f} s"
        if self.cpu_ratios:
            latency += f"  cpu {statistics.median(self.cpu_ratios):4.2f}x"
        if self.cpu_ms:
            latency += f" ({self.cpu_ms:.2f} ms/req)"
        errors = f"  errors {self.errors}" if self.errors else ""
        if self.lost:
            errors += f"  pairs without a figure {self.lost}"
        if not self.ratios:
            return f"{self.label:34} no figure: every pair lost{errors}"
        return (
            f"{self.label:34} median {self.median:5.2f}x  "
            f"(min {min(self.ratios):.2f}, max {max(self.ratios):.2f}, "
            f"±{self.spread * 100:3.0f} %)  {sides}{latency}{errors}"
        )


def alternate(
    label: str,
    run_a: Callable[[], float],
    run_b: Callable[[], float],
    *,
    pairs: int = 5,
    ratio: Callable[[float, float], float] = lambda a, b: b / a,
    unit: str = "req/s",
) -> Comparison:
    """A B A B …: `pairs` pairs, one ratio per pair, in the order they ran."""
    result = Comparison(label=label, ratios=[], unit=unit)
    for _ in range(pairs):
        a = run_a()
        b = run_b()
        result.baseline.append(a)
        result.measured.append(b)
        if a > 0 and b > 0:
            result.ratios.append(ratio(a, b))
        else:
            result.lost += 1
    return result


def compare(
    server: Server,
    baseline: tuple[str, str],
    measured: tuple[str, str],
    *,
    pairs: int = 5,
    seconds: float = 0,
    connections: int = 8,
) -> Comparison:
    """Requests per second of `measured` over `baseline`, alternated (wrk runs).

    `seconds` 0 picks each run's length from a first run of the slower side: long
    enough for MIN_REQUESTS requests (at least MIN_SECONDS, at most MAX_SECONDS), so a slow
    page is not judged on a handful of requests.
    """
    runs: list[Run] = []
    if not seconds:
        probe = run_wrk(server.port, measured[1], seconds=1, connections=connections)
        seconds = min(
            MAX_SECONDS, max(MIN_SECONDS, math.ceil(MIN_REQUESTS / (probe.rps or 1)))
        )

    def side(path):
        def run():
            cpu = server.cpu_seconds()
            result = run_wrk(
                server.port, path, seconds=seconds, connections=connections
            )
            used = server.cpu_seconds() - cpu
            result.cpu_ms = used * 1000 / max(1, result.requests)
            runs.append(result)
            return result.rps

        return run

    result = alternate(
        f"{measured[0]} / {baseline[0]}",
        side(baseline[1]),
        side(measured[1]),
        pairs=pairs,
    )
    measured_runs = runs[1::2]
    result.cpu_ratios = [
        a.cpu_ms / b.cpu_ms
        for a, b in zip(runs[0::2], measured_runs, strict=True)
        if a.cpu_ms and b.cpu_ms
    ]
    result.p50_ms = statistics.median(run.p50_ms for run in measured_runs)
    result.cpu_ms = statistics.median(run.cpu_ms for run in measured_runs)
    result.errors = sum(run.errors for run in runs)
    result.seconds = seconds
    return result


def verdict(results: list[Comparison]) -> str:
    """The last line of a benchmark: whether every spread stayed within ±15 %."""
    wide = [result for result in results if result.too_wide]
    if not wide:
        worst = max(result.spread for result in results)
        return (
            f"spread ok: every median within ±{SPREAD_LIMIT * 100:.0f} % "
            f"(widest ±{worst * 100:.0f} %); load average {load_average()}"
        )
    names = ", ".join(f"{r.label} ±{r.spread * 100:.0f} %" for r in wide)
    return (
        f"SPREAD TOO WIDE (> ±{SPREAD_LIMIT * 100:.0f} %): {names}; "
        f"load average {load_average()}: run again on a quieter machine"
    )


def header(title: str, *, server: bool = True) -> None:
    """Where and when: what every figure in docs/performance.md is pasted with.
    `server=False` for a benchmark that starts no gunicorn (nothing is pinned)."""
    client, cores = cpu_split()
    setup = ""
    if server:
        pinning = (
            f"wrk on core {client}, gunicorn on {cores}" if client else "not pinned"
        )
        priority = f", nice {NICE}" if NICE else ""
        setup = f" ({pinning}{priority})"
    print(
        f"{title}: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores{setup}, load average {load_average()}",
        flush=True,
    )
