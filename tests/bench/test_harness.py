"""bench/harness.py: the figures every benchmark prints come from these few functions."""

import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import harness


def test_wrk_summary_line_is_read_whatever_wrk_prints_around_it():
    output = (
        "Running 2s test @ http://127.0.0.1:1/bench/ping\n"
        "  1 threads and 8 connections\n"
        '{"requests": 5000, "micros": 2000000, "p50": 1500, "p99": 9000, '
        '"errors": 1, "status": 2}\n'
        "Requests/sec:   2500.00\n"
    )

    run = harness.parse_wrk(output)

    assert run.rps == 2500
    assert run.p50_ms == 1.5
    assert run.p99_ms == 9
    assert run.errors == 3


def test_alternate_runs_a_then_b_and_keeps_one_ratio_per_pair():
    calls = []
    a_values = iter([100, 200, 100, 100, 100])
    b_values = iter([50, 100, 60, 40, 50])

    def run_a():
        calls.append("A")
        return next(a_values)

    def run_b():
        calls.append("B")
        return next(b_values)

    result = harness.alternate("page / ping", run_a, run_b, pairs=5)

    assert calls == ["A", "B"] * 5
    assert result.ratios == [0.5, 0.5, 0.6, 0.4, 0.5]
    assert result.median == 0.5
    # The widest pair is 0.1 from the median: ±20 %, past the ±15 % limit.
    assert result.spread == pytest.approx(0.2)
    assert result.too_wide


@pytest.mark.parametrize(
    ("ratios", "flagged"),
    [
        ([0.90, 0.92, 0.95, 0.97, 1.0], False),
        ([0.95, 0.95, 0.95, 0.95, 1.12], True),
        ([0.5, 0.95, 0.95, 0.95, 0.95], True),
    ],
)
def test_last_line_names_every_comparison_wider_than_15_percent(ratios, flagged):
    steady = harness.Comparison("steady", [1.0, 1.01, 0.99, 1.0, 1.0])
    tested = harness.Comparison("tested", ratios)

    line = harness.verdict([steady, tested])

    assert line.startswith("SPREAD TOO WIDE") is flagged
    assert ("tested" in line) is flagged
    assert "steady" not in line
    assert "load average" in line


def test_comparison_line_shows_median_min_max_and_spread():
    result = harness.Comparison(
        "gallery page 1 / ping",
        [0.8, 0.9, 1.0],
        baseline=[1000, 1000, 1000],
        measured=[800, 900, 1000],
        p50_ms=4.2,
    )

    line = result.line()

    assert "median  0.90x" in line
    assert "(min 0.80, max 1.00, ± 11 %)" in line
    assert "900 vs   1000 req/s" in line
    assert "p50   4.2 ms" in line


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"ok" if self.path == "/ok" else b"missing"
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def tiny_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
def test_a_real_wrk_run_counts_requests_and_failed_answers(tiny_server):
    good = harness.run_wrk(tiny_server, "/ok", seconds=1, connections=2)
    bad = harness.run_wrk(tiny_server, "/missing", seconds=1, connections=2)

    assert good.rps > 10
    assert good.errors == 0
    assert good.p50_ms > 0
    assert bad.errors > 0


def test_server_and_client_never_share_a_core_when_there_are_two():
    client, server = harness.cpu_split()

    if not client:
        pytest.skip("one core, or no taskset: nothing to pin")
    assert client not in server.split(",")
    assert harness.pinned(["wrk"], client) == ["taskset", "-c", client, "wrk"]


def test_a_pair_where_one_side_finished_nothing_gives_no_ratio_and_is_said():
    a_values = iter([100, 0, 100])
    b_values = iter([90, 90, 0])

    result = harness.alternate(
        "slow page / ping",
        lambda: next(a_values),
        lambda: next(b_values),
        pairs=3,
    )

    assert result.ratios == [0.9]
    assert result.lost == 2
    assert result.too_wide  # more pairs lost than measured
    assert "pairs without a figure 2" in result.line()
    assert harness.verdict([result]).startswith("SPREAD TOO WIDE")


def test_a_process_tree_and_its_cpu_time_include_the_children():
    """bench/moderation.py charges each browser's renderers to the browsers' side."""
    busy = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\ntime.sleep(30)"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', {busy!r}])\ntime.sleep(30)",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            tree = harness.process_tree(parent.pid)
            if len(tree) == 2 and harness.cpu_seconds_of(tree[1]) >= 0.3:
                break
            time.sleep(0.1)
        assert tree[0] == parent.pid and len(tree) == 2
        assert harness.cpu_seconds_of(tree[1]) >= 0.3
        assert harness.cpu_seconds_of(tree[1]) > harness.cpu_seconds_of(parent.pid)
    finally:
        for pid in harness.process_tree(parent.pid)[::-1]:
            subprocess.run(["kill", str(pid)], check=False)
        parent.wait()
    assert harness.cpu_seconds_of(parent.pid) == 0  # gone: nothing to read
