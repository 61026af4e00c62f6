import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from core.keys import admin_password


class Command(BaseCommand):
    help = (
        "Serve the site and a Celery worker (with the beat scheduler) together, "
        "as `make run` does. Ctrl-C stops both."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", 8000))
        )
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **options):
        host, port = options["host"], options["port"]
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        worker = subprocess.Popen(
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--pool",
                "solo",
                "--queues",
                settings.CELERY_ALL_QUEUES,
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        web = subprocess.Popen(
            [python, manage, "runserver", "--noreload", f"{host}:{port}"],
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nKindness Hub is running at {url}"))
        self.stdout.write(
            f"Staff login: {url}en/admin/  user: admin  password: {admin_password()}"
        )
        outbox = settings.EMAIL_FILE_PATH or "sent through EMAIL_URL"
        self.stdout.write(f"Mail outbox (sign-up links, notices): {outbox}")
        self.stdout.write("Press Ctrl-C to stop the site and the worker.\n")
        children = (web, worker)
        # The children run in their own sessions (a Ctrl-C reaches this process
        # only), so a `kill` or a closed terminal must stop them here too. SIGINT is
        # set as well: a process started in the background (`cmd &`, nohup) inherits
        # it ignored, and Ctrl-C sent to it later must still stop the site.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _interrupt)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Whatever is left in a child's session (a transcode the worker started
            # in a process of its own) goes too: Ctrl-C leaves nothing running.
            for child in children:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(timeout=5)
        self.stdout.write("Stopped.")


def _interrupt(signum, frame):
    raise KeyboardInterrupt
