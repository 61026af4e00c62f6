"""Put many kind notes under one gallery entry, fast (benchmarks, load tests).

    python manage.py notes_seed --count 1000            # the newest public entry
    python manage.py notes_seed --count 1000 --entry 42
    python manage.py notes_seed --clear

Prints the entry's path on the last line (for bench/gallery.py). The writers are the
seeded participants of `gallery_seed` ("seed_" handles; made here if missing);
--clear removes every note they wrote. Never run it against production data.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from challenge.models import Entry, Note, Participant
from challenge.selectors.gallery import gallery_changed, public_entries

from .gallery_seed import SEED_PREFIX
from .gallery_seed import Command as GallerySeed

TEXTS = [
    "This made me smile, thank you!",
    "So kind of you to share this 💛",
    "Grazie mille, bellissimo!",
    "Merci pour ce moment !",
    "Danke, das ist wirklich schön.",
]


def seed_notes(*, count: int, entry: Entry | None = None, writers: int = 20) -> Entry:
    """`count` published notes under `entry` (default: the newest public entry), a
    few seconds apart, from `writers` seeded participants. Returns the entry."""
    entry = entry or public_entries().order_by("-approved_at", "-id").first()
    if entry is None:
        raise CommandError("No public entry: run gallery_seed first.")
    people = list(Participant.objects.filter(handle__startswith=SEED_PREFIX)[:writers])
    if len(people) < writers:
        people = GallerySeed()._participants(writers)
    now = timezone.now()
    with transaction.atomic():
        notes = Note.objects.bulk_create(
            [
                Note(
                    entry=entry,
                    author=people[number % len(people)],
                    text=f"{TEXTS[number % len(TEXTS)]} #{number}",
                    state=Note.State.PUBLISHED,
                )
                for number in range(count)
            ]
        )
        # Spread the times (auto_now_add gave them all "now"): newest last.
        for number, note in enumerate(notes):
            note.created_at = now - timedelta(seconds=(count - number) * 5)
        Note.objects.bulk_update(notes, ["created_at"], batch_size=1000)
    transaction.on_commit(gallery_changed)
    return entry


class Command(BaseCommand):
    help = "Create many notes under one gallery entry quickly (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000)
        parser.add_argument("--entry", type=int, default=None)
        parser.add_argument("--clear", action="store_true", help="remove seeded notes")

    def handle(self, *args, count, entry, clear, **options):
        if clear:
            deleted, _ = Note.objects.filter(
                author__handle__startswith=SEED_PREFIX
            ).delete()
            gallery_changed()
            self.stdout.write(self.style.SUCCESS(f"Removed {deleted} seeded notes."))
            return
        target = None
        if entry is not None:
            target = public_entries().filter(pk=entry).first()
            if target is None:
                raise CommandError(f"Entry {entry} is not public.")
        target = seed_notes(count=count, entry=target)
        self.stdout.write(f"Seeded {count} notes.")
        self.stdout.write(target.get_absolute_url())
