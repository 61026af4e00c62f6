from importlib import import_module

from django.core.management.base import BaseCommand

# Each app that has demo content exposes demo.load(stdout=...); order matters
# (the campaign first, then the content that hangs off it).
DEMO_LOADERS = [
    "campaign.demo:load_campaign",
    "stories.demo:load_stories",
    "challenge.demo:load_challenge",
]


class Command(BaseCommand):
    help = "Load (or refresh) the demo content. Safe to run again: it never duplicates."

    def handle(self, *args, **options):
        for dotted in DEMO_LOADERS:
            module_name, func_name = dotted.split(":")
            loader = getattr(import_module(module_name), func_name)
            loader(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("demo content ready"))
