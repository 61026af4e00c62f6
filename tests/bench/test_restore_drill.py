"""bench/restore_drill.py, small: a site filled, backed up, destroyed, restored,
and checked (counts, audit log, every approved entry plays, nothing deleted after
the backup comes back). The drill exits 0 only when every check holds."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import service_missing

pytestmark = [pytest.mark.services, pytest.mark.slow]
BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_small_restore_drill_passes():
    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres").close()
    except psycopg.OperationalError:
        service_missing("the drill needs PostgreSQL at 127.0.0.1:5432")
    env = {
        **os.environ,
        "BENCH_DRILL_DATABASE": f"kh_drill_{os.getpid()}",
    }
    result = subprocess.run(
        [sys.executable, "bench/restore_drill.py", "--entries", "12"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    output = result.stdout + result.stderr[-3000:]
    assert result.returncode == 0, output
    assert "DRILL PASSED" in output
    assert "2/2 approved entries play" in output
    assert "deleted account back: False" in output
    assert "files of deleted videos back: 0" in output
