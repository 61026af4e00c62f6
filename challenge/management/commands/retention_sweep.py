from django.core.management.base import BaseCommand

from challenge.services.privacy import retention_sweep


class Command(BaseCommand):
    help = (
        "Delete media and addresses past their retention period (the README's "
        "retention table). Celery beat runs the same thing daily."
    )

    def handle(self, *args, **options):
        for what, count in retention_sweep().items():
            self.stdout.write(f"{what}: {count}")
