from django.core.management.base import BaseCommand

from videos.services import video_orphans_sweep


class Command(BaseCommand):
    help = (
        "List the files in the private storage's videos/ folder that no video row "
        "keeps (a deleted video's, or older than VIDEO_ORPHAN_AFTER_SECONDS and "
        "named by no row). Nothing is deleted unless --delete is given; the "
        "hourly beat task deletes them the same way."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Delete the files listed (without it: a dry run).",
        )

    def handle(self, *args, delete=False, **options):
        orphans = video_orphans_sweep(delete=delete)
        for name in orphans:
            self.stdout.write(f"  {name}")
        verb = "deleted" if delete else "would be deleted (dry run; --delete to)"
        self.stdout.write(f"{len(orphans)} orphan file(s) {verb}")
