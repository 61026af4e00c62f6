"""Demo challenge entries: six made-up participants, real generated clips, in four
languages.

The participants are invented to show how the gallery works: their accounts are
marked `is_demo`, their handles start with "demo.", and every page that shows their
entries says they are demo material.

Loaded by `manage.py demo_content` after the campaign and the stories. The clips are
processed right here (not by a worker) so that five of them can be approved by the
demo admin through the moderation service and show in the gallery at once; the sixth
stays waiting for review for the moderation desk. Running it again adds nothing.
"""

import tempfile
import uuid
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction

from .models import Entry, Participant

NAMESPACE = uuid.UUID("6f1d3c2e-7a51-4d0b-9a57-8f3f0d3a1c11")
DEMO_ENTRIES = [
    # key (keeps the row across renames), public handle, country, language, prompt,
    # caption, approve
    (
        "sunny_lena",
        "demo.lena",
        "DE",
        "de",
        "words",
        "„Du bist nicht allein.“ Drei Worte von meiner Lehrerin, die alles "
        "verändert haben. #CreateKindness",
        True,
    ),
    (
        "marco.gentile",
        "demo.marco",
        "IT",
        "it",
        "moment",
        "Il primo giorno nella nuova scuola, una ragazza mi ha fatto posto a "
        "pranzo. Grazie Giulia! #CreateKindness",
        True,
    ),
    (
        "chloe_dessine",
        "demo.chloe",
        "FR",
        "fr",
        "witness",
        "J'ai vu quelqu'un se faire moquer en ligne. On a été cinq à écrire un "
        "message gentil. Ça a suffi. #CreateKindness",
        True,
    ),
    (
        "kind_sam",
        "demo.sam",
        "GB",
        "en",
        "moment",
        "My little brother made me a card when I was having a rough week. "
        "#CreateKindness #family",
        True,
    ),
    (
        "noor.creates",
        "demo.noor",
        "NL",
        "en",
        "words",
        "Someone commented “your art makes my day” on my first drawing. I still "
        "draw every day. #CreateKindness",
        True,
    ),
    (
        "tom_rides",
        "demo.tom",
        "IE",
        "en",
        "witness",
        "A bus driver waited for a kid who was crying and asked if he was okay. "
        "Small things matter. #CreateKindness",
        False,
    ),
]
COLOURS = ["Kindness", "Grazie", "Merci", "Thank you", "Be kind", "Small things"]


def _participant(key: str, handle: str, country: str, language: str) -> Participant:
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=f"demo-{key}",
        defaults={"email": f"{key.replace('.', '_')}@demo.kindnesshub.example"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    participant, _ = Participant.objects.update_or_create(
        user=user,
        defaults={"handle": handle, "is_demo": True},
        create_defaults={
            "handle": handle,
            "is_demo": True,
            "birth_year": 1998,
            "birth_month": 4,
            "country": country,
            "language": language,
        },
    )
    return participant


def load_challenge(stdout=None) -> None:
    from videos.clips import make_clip
    from videos.services import video_create, video_process

    from .services.moderation.decisions import entry_approve
    from .services.submission import entry_create
    from .states import entry_follow_video

    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    made = 0
    with tempfile.TemporaryDirectory() as folder:
        for index, row in enumerate(DEMO_ENTRIES):
            key, handle, country, language, prompt, caption, approve = row
            participant = _participant(key, handle, country, language)
            token = uuid.uuid5(NAMESPACE, key)
            if Entry.objects.filter(submission_token=token).exists():
                continue
            path = make_clip(
                Path(folder) / f"{key}.mp4",
                seconds=4,
                width=360,
                height=640,
                fps=20,
                text=COLOURS[index % len(COLOURS)],
            )
            with transaction.atomic(), path.open("rb") as handle_file:
                video = video_create(file=File(handle_file), original_name=path.name)
                entry = entry_create(
                    participant=participant,
                    video=video,
                    caption=caption,
                    prompt=prompt,
                    language=language,
                    submission_token=token,
                )
            video_process(video_id=video.pk)
            entry = entry_follow_video(entry_id=entry.pk)
            if (
                approve
                and admin is not None
                and entry.state == Entry.State.PENDING_REVIEW
            ):
                entry_approve(entry_id=entry.pk, actor=admin, note="demo content")
            made += 1
    if stdout is not None:
        stdout.write(f"Challenge: {made} demo entr{'y' if made == 1 else 'ies'} added")
