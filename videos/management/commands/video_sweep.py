from django.core.management.base import BaseCommand
from django.db import transaction

from videos.services import video_sweep, video_tombstones_sweep


class Command(BaseCommand):
    help = (
        "Re-queue videos stuck in processing (or pending) for longer than "
        "VIDEO_STUCK_AFTER_SECONDS, delete abandoned temp files, delete the files "
        "of deleted videos and remove their tombstones once nothing points at them."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            result = video_sweep()
        # Outside the transaction: it deletes files in storage.
        tombstones = video_tombstones_sweep()
        self.stdout.write(
            f"re-queued {len(result['requeued'])} video(s), "
            f"removed {result['temp_removed']} temp file(s), "
            f"deleted the files of {tombstones['files_deleted']} deleted video(s), "
            f"removed {tombstones['removed']} tombstone(s)"
        )
        for video_id in result["requeued"]:
            self.stdout.write(f"  {video_id}")
