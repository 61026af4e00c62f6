"""Secrets a fresh install makes for itself and keeps in DATA_DIR."""

import secrets
from pathlib import Path

from django.conf import settings


def file_secret(path: Path, *, nbytes: int) -> str:
    """A random value kept in `path` (0600), made on first use. Plain paths, no
    settings: config/settings.py makes the secret key with it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def admin_password() -> str:
    """DEMO_ADMIN_PASSWORD, else a random one kept in the data folder."""
    return settings.DEMO_ADMIN_PASSWORD or file_secret(
        settings.DATA_DIR / "admin-password.txt", nbytes=12
    )
