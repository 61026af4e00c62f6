"""Fill the gallery with many approved entries, fast (benchmarks, load tests).

    python manage.py gallery_seed --count 100000
    python manage.py gallery_seed --clear

Every entry gets its own Video row (the relation is one-to-one), status ready,
all pointing at one real poster and one real clip, so the pages and the media views
work. Seeded participants have handles starting with "seed_"; --clear removes them
and everything they own. Never run it against production data.
"""

import random
from datetime import timedelta
from io import BytesIO

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from challenge.models import Entry, Participant, Prompt
from challenge.selectors.gallery import gallery_changed
from videos.models import Video, private_storage

SEED_PREFIX = "seed_"
POSTER_NAME = "videos/seed/poster.webp"
VIDEO_NAME = "videos/seed/video.mp4"
CAPTIONS = [
    "My neighbour carried my shopping up four floors #kindness",
    "A classmate sat with me when nobody else did #BeKind",
    "Someone stood up for me in the group chat #CreateKindness",
    "Grandma's note in my lunchbox made my day",
    "We cleaned the park together after the storm #together",
    "A stranger paid for my bus ticket when my card failed",
]


class Command(BaseCommand):
    help = "Create many approved gallery entries quickly (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000)
        parser.add_argument("--participants", type=int, default=50)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--clear", action="store_true", help="remove seeded data")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, count, participants, batch, clear, seed, **options):
        if clear:
            self._clear()
            return
        rng = random.Random(seed)
        self._files()
        people = self._participants(participants)
        now = timezone.now()
        prompts = Prompt.values
        languages = ["en", "it", "fr", "de"]
        made = 0
        while made < count:
            size = min(batch, count - made)
            with transaction.atomic():
                videos = Video.objects.bulk_create(
                    [
                        Video(
                            status=Video.Status.READY,
                            poster=POSTER_NAME,
                            output=VIDEO_NAME,
                            duration=12.0,
                            width=360,
                            height=640,
                            original_name="seed.mp4",
                        )
                        for _ in range(size)
                    ]
                )
                entries = []
                for offset, video in enumerate(videos):
                    number = made + offset
                    approved_at = now - timedelta(
                        seconds=(count - number) * 30 + rng.randint(0, 20)
                    )
                    entries.append(
                        Entry(
                            participant=people[number % len(people)],
                            video=video,
                            caption=CAPTIONS[number % len(CAPTIONS)],
                            prompt=prompts[number % len(prompts)],
                            language=languages[number % len(languages)],
                            state=Entry.State.APPROVED,
                            heart_count=int(rng.paretovariate(1.2)) - 1,
                            submitted_at=approved_at - timedelta(hours=2),
                            state_changed_at=approved_at,
                            approved_at=approved_at,
                        )
                    )
                Entry.objects.bulk_create(entries)
            made += size
            self.stdout.write(f"{made}/{count} entries")
        # Fresh statistics, or the planner misjudges the new rows (seq scans).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        gallery_changed()
        self.stdout.write(self.style.SUCCESS(f"Seeded {count} approved entries."))

    def _files(self):
        storage = private_storage()
        if not storage.exists(POSTER_NAME):
            from PIL import Image

            buffer = BytesIO()
            Image.new("RGB", (360, 640), (194, 37, 92)).save(buffer, "WEBP")
            storage.save(POSTER_NAME, ContentFile(buffer.getvalue()))
        if not storage.exists(VIDEO_NAME):
            import tempfile
            from pathlib import Path

            from videos.clips import make_clip

            with tempfile.TemporaryDirectory() as folder:
                clip = make_clip(
                    Path(folder) / "seed.mp4", seconds=2, width=180, height=320
                )
                storage.save(VIDEO_NAME, ContentFile(clip.read_bytes()))

    def _participants(self, how_many: int) -> list[Participant]:
        User = get_user_model()  # noqa: N806
        people = list(
            Participant.objects.filter(handle__startswith=SEED_PREFIX)[:how_many]
        )
        for number in range(len(people), how_many):
            user = User.objects.create_user(
                username=f"{SEED_PREFIX}{number}",
                email=f"{SEED_PREFIX}{number}@seed.invalid",
            )
            people.append(
                Participant.objects.create(
                    user=user,
                    handle=f"{SEED_PREFIX}{number}",
                    birth_year=2000,
                    birth_month=1,
                    country="FR",
                    language="en",
                )
            )
        return people

    def _clear(self):
        with transaction.atomic():
            entries = Entry.objects.filter(participant__handle__startswith=SEED_PREFIX)
            video_ids = list(entries.values_list("video_id", flat=True))
            deleted, _ = entries.delete()
            Video.objects.filter(pk__in=video_ids).delete()
            get_user_model().objects.filter(username__startswith=SEED_PREFIX).delete()
        gallery_changed()
        self.stdout.write(self.style.SUCCESS(f"Removed {deleted} seeded rows."))
