"""Who may read what the site writes.

Nearly everything under DATA_DIR is someone's personal data: the SQLite database,
the outbox (guardian and password-reset links), private media, the parts of
uploads, the broker's messages, the secrets. A process umask closes that whole class
at once: set where the settings are read, which every process (manage.py, gunicorn's
workers, Celery) does before it writes anything, it covers what Django, SQLite,
kombu, Celery beat, PyAV and tempfile make alike. What is for everyone (public
media, collected static files) is given its modes explicitly.
"""

from pathlib import Path

# Nobody but the site's user: files 0600, folders 0700.
OWNER_ONLY = 0o077
# MEDIA_OFFLOAD: the front server (nginx) reads private media as a member of the
# site's group: files 0640, folders 0750; still nobody else.
OWNER_AND_GROUP = 0o027
# Public media and static files, served by the front server to everyone.
PUBLIC_FILE_MODE = 0o644
PUBLIC_FOLDER_MODE = 0o755
# DATA_DIR holds private files and the public folders: others may pass through to
# the public ones, never list it.
PASS_THROUGH_MODE = 0o711


def path_close(path: Path, *, umask: int) -> None:
    """Take away the bits `umask` forbids from an existing file or folder (an older
    version of the site made them open). Bits are never added: an operator may be
    stricter. One the site's user does not own (a mount made by root) is left."""
    try:
        mode = path.stat().st_mode & 0o777
        if mode & umask:
            path.chmod(mode & ~umask)
    except (FileNotFoundError, PermissionError):
        pass


def folder_private(path: Path, *, umask: int) -> None:
    """Make the folder (under the process umask), or close an older one."""
    path.mkdir(parents=True, exist_ok=True)
    path_close(path, umask=umask)


def folder_open(path: Path, *, mode: int = PUBLIC_FOLDER_MODE) -> None:
    """Make a folder others must reach, with `mode` whatever the umask; one that
    exists is left as the operator made it."""
    try:
        path.mkdir(parents=True)
    except FileExistsError:
        return
    path.chmod(mode)
