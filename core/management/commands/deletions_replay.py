import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from core.journal import deletions_replay


class Command(BaseCommand):
    help = (
        "After a restore: delete again every account, entry and video the deletion "
        "journal says was deleted at or after the backup's time (core.journal)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            required=True,
            help="when the restored backup was taken, ISO 8601 with a time zone "
            "(2026-12-07T03:00:00+00:00); take it a few minutes early: replaying "
            "a delete twice is harmless",
        )

    def handle(self, *args, since, **options):
        try:
            moment = dt.datetime.fromisoformat(since)
        except ValueError as error:
            raise CommandError(f"--since: not an ISO 8601 time: {since!r}") from error
        if moment.tzinfo is None:
            raise CommandError("--since needs a time zone (…+00:00 for UTC)")
        done = deletions_replay(moment)
        self.stdout.write(
            "deleted again: "
            + ", ".join(f"{count} {kind}(s)" for kind, count in done.items())
        )
