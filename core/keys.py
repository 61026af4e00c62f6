"""Secrets a fresh install makes for itself and keeps in DATA_DIR."""

import os
import secrets
import tempfile
from pathlib import Path

from django.conf import settings

from core.files import OWNER_ONLY, path_close


def file_secret(path: Path, *, nbytes: int) -> str:
    """A random value kept in `path`, made on first use, readable by the site's
    user only (0600, whatever the umask; one an older version left open is closed).
    Plain paths, no settings: config/settings.py makes the secret key with it.

    Written to a private temporary file and linked into place, so two processes
    starting at once never read a half-written secret or make two.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            with os.fdopen(handle, "w") as file:
                file.write(secrets.token_urlsafe(nbytes) + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: theirs is kept
        finally:
            os.unlink(temporary)
    path_close(path, umask=OWNER_ONLY)
    return path.read_text().strip()


def admin_password() -> str:
    """DEMO_ADMIN_PASSWORD, else a random one kept in the data folder."""
    return settings.DEMO_ADMIN_PASSWORD or file_secret(
        settings.DATA_DIR / "admin-password.txt", nbytes=12
    )
