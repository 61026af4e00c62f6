from django.core.management.base import BaseCommand
from django.db import transaction

from videos.services import video_sweep


class Command(BaseCommand):
    help = (
        "Re-queue videos stuck in processing (or pending) for longer than "
        "VIDEO_STUCK_AFTER_SECONDS and delete abandoned temp files."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            result = video_sweep()
        self.stdout.write(
            f"re-queued {len(result['requeued'])} video(s), "
            f"removed {result['temp_removed']} temp file(s)"
        )
        for video_id in result["requeued"]:
            self.stdout.write(f"  {video_id}")
