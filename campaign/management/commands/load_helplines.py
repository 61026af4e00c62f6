from django.core.management.base import BaseCommand, CommandError

from campaign.services import HelplineDataError, helplines_load


class Command(BaseCommand):
    help = (
        "Load the helplines from campaign/data/helplines.json (also done after every "
        "migrate). Updates rows in place, never duplicates, and leaves rows staff "
        "edited in the admin as they are."
    )

    def handle(self, *args, **options):
        try:
            report = helplines_load()
        except HelplineDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(str(report)))
