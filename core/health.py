"""What /healthz reports: each dependency checked for real, with a short timeout."""

import os
import re
import socket
import uuid

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def database_answers() -> bool:
    try:
        _check_database()
    except Exception:  # noqa: BLE001 - any failure means "down"
        return False
    return True


def _check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


def _check_broker() -> None:
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def storage_probe_name() -> str:
    """The file a storage check writes and deletes: one per machine and process, so a
    check cut off between the two (the storage went away) leaves at most one file,
    which the next check deletes first. A fresh name each time left them to pile up
    (bench/chaos.py found one after a storage cut)."""
    host = re.sub(r"[^\w.-]", "-", socket.gethostname())[:60]
    return f"healthz/{host}-{os.getpid()}.txt"


def _check_storage() -> None:
    probe = storage_probe_name()
    for alias in ("default", "private"):
        storage = storages[alias]
        storage.delete(probe)  # what a check cut off left behind
        name = storage.save(probe, ContentFile(b"ok"))
        storage.delete(name)


CHECKS = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
    "storage": _check_storage,
}


def health_report() -> dict:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            detail = f"{type(exc).__name__}: {exc}" if settings.DEBUG else "down"
            results[name] = {"ok": False, "detail": detail}
        else:
            results[name] = {"ok": True}
    return {"ok": all(r["ok"] for r in results.values()), "checks": results}
