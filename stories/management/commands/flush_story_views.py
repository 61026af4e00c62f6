from django.core.management.base import BaseCommand

from stories.services import story_views_flush


class Command(BaseCommand):
    help = (
        "Write the story play counts buffered in the cache to the database "
        "(Celery beat does this every few minutes)."
    )

    def handle(self, *args, **options):
        moved = story_views_flush()
        self.stdout.write(f"{moved} play(s) written to the database")
