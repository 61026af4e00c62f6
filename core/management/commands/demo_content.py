from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Load (or refresh) the demo content. Safe to run again: it never duplicates."

    def handle(self, *args, **options):
        for dotted in settings.DEMO_LOADERS:
            import_string(dotted)(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("demo content ready"))
