"""Give each pytest-xdist worker its own data folder and Redis database.

Loaded with `-p tests.parallel` (pyproject's addopts), so it runs before
pytest-django imports the settings: the settings read DATA_DIR and REDIS_URL from the
environment once, at import. pytest-django already gives each worker its own test
database (`test_<name>_gw0`, `_gw1`…); media, the embedded broker's folders, upload
pieces and the cache are ours to split. Outside xdist (`-n 0`, or a single test) it
changes nothing.
"""

import os
import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def worker_environment(environ, worker: str) -> dict[str, str]:
    """The variables worker `gwN` runs with: DATA_DIR/gwN, and Redis database
    (the given one − N) modulo 16, so worker gw0 keeps the database CI names."""
    index = int(worker.removeprefix("gw"))
    data_dir = Path(environ.get("DATA_DIR") or BASE_DIR / "var") / worker
    changed = {"DATA_DIR": str(data_dir)}
    redis_url = environ.get("REDIS_URL", "")
    if redis_url:
        match = re.fullmatch(r"(redis://[^/]*)(?:/(\d+))?", redis_url)
        if match is None:
            raise RuntimeError(
                f"REDIS_URL={redis_url!r}: parallel tests need redis://host:port/db"
            )
        database = (int(match.group(2) or 0) - index) % 16
        changed["REDIS_URL"] = f"{match.group(1)}/{database}"
    return changed


SERVICE_REDIS_URL = "redis://127.0.0.1:6379/15"


def service_redis_url() -> str:
    """The Redis the service tests use when REDIS_URL is unset (the site itself then
    runs on its embedded defaults): database 15, or this worker's share of it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return SERVICE_REDIS_URL
    return worker_environment({"REDIS_URL": SERVICE_REDIS_URL}, worker)["REDIS_URL"]


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    os.environ.update(worker_environment(os.environ, _worker))
    Path(os.environ["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
