from django.core.management.base import BaseCommand

from videos.selectors import videos_without_ladder
from videos.services import video_ladder_add


class Command(BaseCommand):
    help = (
        "Give every ready video made before adaptive streaming its HLS ladder and a "
        "new poster. Safe to run again: videos that have a ladder are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=0, help="Convert at most this many videos."
        )

    def handle(self, *args, limit, **options):
        ids = videos_without_ladder()
        if limit:
            ids = ids[:limit]
        counts = {"done": 0, "skipped": 0, "failed": 0}
        for video_id in ids:
            outcome = video_ladder_add(video_id=video_id)
            counts[outcome.split(":")[0]] += 1
            self.stdout.write(f"  {video_id}: {outcome}")
        self.stdout.write(
            f"ladders made: {counts['done']}, skipped: {counts['skipped']}, "
            f"failed: {counts['failed']}"
        )
        if counts["failed"]:
            self.stderr.write(self.style.WARNING("Failed videos still play as MP4."))
