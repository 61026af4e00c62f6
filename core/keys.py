"""Secrets a fresh install makes for itself and keeps in DATA_DIR."""

import secrets

from django.conf import settings


def data_dir_secret(filename: str, *, nbytes: int = 12) -> str:
    """A random value kept in DATA_DIR/filename (0600), made on first use."""
    path = settings.DATA_DIR / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def admin_password() -> str:
    """DEMO_ADMIN_PASSWORD, else a random one kept in the data folder."""
    return settings.DEMO_ADMIN_PASSWORD or data_dir_secret("admin-password.txt")
