import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

RENDER = """
from django.test import Client
client = Client()
for path in ("/en/", "/en/admin/login/"):
    response = client.get(path, secure=True)
    print(path, response.status_code)
    print(response.content.decode())
"""


def test_production_serves_compressed_fingerprinted_static_files(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        DATA_DIR=str(tmp_path),
    )

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("collectstatic", "--noinput")
    manage("migrate", "--noinput")
    output = manage("shell", "--no-imports", "-c", RENDER)
    assert "/en/ 200" in output and "/en/admin/login/ 200" in output
    static = tmp_path / "static"
    css = [p.name for p in (static / "css").glob("site.*.css")]
    assert css, "no fingerprinted site.css"
    assert any(name.endswith(".css.gz") for name in os.listdir(static / "css"))
    assert f"/static/css/{sorted(n for n in css if n.count('.') == 2)[0]}" in output
