"""The real `make run` path, in a temporary copy of the project.

It reuses this checkout's virtualenv (`make -o` keeps make from reinstalling into
it) so the test costs seconds, not a download.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http import HTTPStatus
from pathlib import Path

import pytest

from tests.conftest import copy_project, free_port

BASE_DIR = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)

pytestmark = pytest.mark.slow


def _processes_in(folder: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def _start(project: Path, port: int, log: Path) -> subprocess.Popen:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "DATA_DIR",
            "EMAIL_URL",
            "DJANGO_DEBUG",
            "SECRET_KEY",
            "SITE_URL",
            "ALLOWED_HOSTS",
        }
    }
    env.pop("DEMO_ADMIN_PASSWORD", None)
    return subprocess.Popen(
        [
            "make",
            "run",
            f"PORT={port}",
            f"VENV={VENV}",
            "-o",
            f"{VENV}/.installed",
        ],
        cwd=project,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for(log: Path, text: str, proc: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = log.read_text(errors="replace")
        if text in content:
            return content
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"'{text}' never appeared:\n{log.read_text(errors='replace')}")


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    deadline = time.monotonic() + 30
    request = urllib.request.Request(url, headers=headers or {})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _stop(proc: subprocess.Popen, log: Path | None = None) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired as error:
        tail = log.read_text(errors="replace")[-3000:] if log else ""
        raise AssertionError(
            f"make run did not stop within 60 s; its log ends:\n{tail}"
        ) from error


def test_make_run_serves_the_site_with_a_worker_and_keeps_its_data(tmp_path):
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    project = tmp_path / "project"
    copy_project(project)
    port = free_port()
    log = tmp_path / "run.log"

    proc = _start(project, port, log)
    try:
        output = _wait_for(log, "Kindness Hub is running at", proc, timeout=300)
        _wait_for(log, "ready.", proc, timeout=60)  # the Celery worker is up
        status, page = _get(f"http://127.0.0.1:{port}/en/")
        assert status == HTTPStatus.OK
        assert "Kindness Hub" in page
        status, health = _get(f"http://127.0.0.1:{port}/healthz")
        assert '"ok": true' in health
        # Safe to expose: DEBUG off (a real 404 page, no URL list), static files
        # through WhiteNoise, other hosts refused, absolute links to this port.
        status, missing = _get(f"http://127.0.0.1:{port}/fr/no-such-page/")
        assert status == 404
        assert "URLconf" not in missing and "DEBUG" not in missing
        assert 'lang="fr"' in missing and "Kindness Hub" in missing
        css = next(
            part.split('"')[0]
            for part in page.split('href="')[1:]
            if part.split('"')[0].endswith(".css")
        )
        assert _get(f"http://127.0.0.1:{port}{css}")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/en/", {"Host": "evil.example"})[0] == 400
        assert f'href="http://127.0.0.1:{port}/fr/"' in page
    finally:
        _stop(proc, log)
    assert f"http://127.0.0.1:{port}/" in output
    password_line = next(line for line in output.splitlines() if "user: admin" in line)
    saved_password = (project / "var" / "admin-password.txt").read_text().strip()
    assert password_line.endswith(saved_password)
    secret_file = project / "var" / "secret-key.txt"
    secret_key = secret_file.read_text().strip()
    assert len(secret_key) >= 50
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert _processes_in(project) == [], "Ctrl-C left a process running"

    database = project / "var" / "kindness.sqlite3"
    created = database.stat().st_size
    second_log = tmp_path / "second-run.log"
    proc = _start(project, port, second_log)
    try:
        second = _wait_for(second_log, "Kindness Hub is running at", proc, 300)
        assert second.count(saved_password) == 1
        assert _get(f"http://127.0.0.1:{port}/en/help/")[0] == HTTPStatus.OK
    finally:
        _stop(proc, log)
    assert (
        project / "var" / "admin-password.txt"
    ).read_text().strip() == saved_password
    assert secret_file.read_text().strip() == secret_key  # sessions survive a restart
    assert database.stat().st_size >= created
    assert _processes_in(project) == []


def _pids_with_environment(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker.encode() in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_killed_runsite_stops_its_web_server_and_worker(tmp_path, signum):
    """`kill` (or a closed terminal) on the runner must not leave the web server
    and the worker running in their own sessions, holding the port."""
    data_dir = tmp_path / "data"
    port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL"}
        },
        "DATA_DIR": str(data_dir),
    }
    log = tmp_path / "runsite.log"
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runsite", "--port", str(port)],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(log, "Kindness Hub is running at", proc, timeout=120)
        status, _ = _get(f"http://127.0.0.1:{port}/healthz")
        assert status == HTTPStatus.OK
        # the runner, the web server, the worker
        assert len(_pids_with_environment(f"DATA_DIR={data_dir}")) >= 3
        proc.send_signal(signum)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while (
            _pids_with_environment(f"DATA_DIR={data_dir}")
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert _pids_with_environment(f"DATA_DIR={data_dir}") == []
    finally:
        for pid in _pids_with_environment(f"DATA_DIR={data_dir}"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
