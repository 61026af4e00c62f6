"""Factories for the moderation and gallery tests (imported explicitly; the
challenge tests own tests/challenge/conftest.py).

Entries are made directly in a given state with a real Video row (status ready).
`with_files=True` also writes a real poster (WebP) and a real MP4 into private
storage, for the tests that fetch media.
"""

import itertools
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from challenge.models import Entry, EntryEvent, Participant
from videos.models import Video

S = Entry.State
_numbers = itertools.count(1)
_CLIP_CACHE: dict[str, bytes] = {}


def moderators_group() -> Group:
    """The group the data migration made (rebuilt after a transactional test's
    flush, which keeps permissions but not groups)."""
    import importlib

    group, created = Group.objects.get_or_create(name="Moderators")
    if created:
        migration = importlib.import_module(
            "challenge.migrations.0004_moderators_group"
        )
        for app_label, model, codename in migration.MODERATOR_PERMISSIONS:
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename=codename,
                )
            )
    return group


def make_user(
    *,
    staff: bool = False,
    superuser: bool = False,
    moderator: bool = False,
    perms: tuple[str, ...] = (),
    email: str | None = None,
):
    from django.contrib.auth import get_user_model

    number = next(_numbers)
    user = get_user_model().objects.create_user(
        username=f"user{number}",
        email=email or f"user{number}@example.org",
        password="x-unused-password-1",
        is_staff=staff or moderator or superuser,
        is_superuser=superuser,
    )
    if moderator:
        user.groups.add(moderators_group())
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def make_participant(*, user=None, handle=None, language="en", country="FR"):
    number = next(_numbers)
    return Participant.objects.create(
        user=user or make_user(),
        handle=handle or f"kind_{number}",
        birth_year=2000,
        birth_month=1,
        country=country,
        language=language,
    )


def _poster_bytes(color=(194, 37, 92)) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    Image.new("RGB", (90, 160), color).save(buffer, "WEBP")
    return buffer.getvalue()


def _clip_bytes(tmp_dir: Path) -> bytes:
    if "mp4" not in _CLIP_CACHE:
        from videos.testing import make_clip

        path = make_clip(
            tmp_dir / "clip.mp4", seconds=1, width=160, height=288, audio=False
        )
        _CLIP_CACHE["mp4"] = path.read_bytes()
    return _CLIP_CACHE["mp4"]


def make_video(*, with_files: bool = False, tmp_dir: Path | None = None) -> Video:
    video = Video.objects.create(
        status=Video.Status.READY,
        duration=12.4,
        width=360,
        height=640,
        probe={"format": "mp4", "streams": [{"codec": "h264"}]},
        original_name="kindness.mp4",
    )
    if with_files:
        video.poster.save("poster.webp", ContentFile(_poster_bytes()), save=False)
        clip = _clip_bytes(tmp_dir or Path("/tmp"))
        video.output.save("video.mp4", ContentFile(clip), save=False)
        video.source.save("source", ContentFile(clip), save=False)
        video.save()
    else:
        Video.objects.filter(pk=video.pk).update(
            poster=f"videos/{video.pk}/poster.webp",
            output=f"videos/{video.pk}/video.mp4",
        )
        video.refresh_from_db()
    return video


def make_entry(
    *,
    state: str = S.PENDING_REVIEW,
    participant=None,
    caption: str = "A stranger helped me pick up my books #kindness",
    prompt: str = "moment",
    language: str = "en",
    with_files: bool = False,
    tmp_dir=None,
    waited: timedelta = timedelta(hours=1),
    **fields,
) -> Entry:
    now = timezone.now()
    entry = Entry.objects.create(
        participant=participant or make_participant(),
        video=make_video(with_files=with_files, tmp_dir=tmp_dir),
        caption=caption,
        prompt=prompt,
        language=language,
        state=state,
        submitted_at=now - waited,
        approved_at=fields.pop(
            "approved_at", now if state in (S.APPROVED, S.HIDDEN) else None
        ),
        **fields,
    )
    Entry.objects.filter(pk=entry.pk).update(state_changed_at=now - waited)
    EntryEvent.objects.create(
        entry=entry, from_state=S.PROCESSING, to_state=S.PENDING_REVIEW
    )
    EntryEvent.objects.filter(entry=entry).update(created_at=now - waited)
    entry.refresh_from_db()
    return entry


def make_entries(count: int, *, state: str = S.PENDING_REVIEW, **fields) -> list:
    """Many entries fast (bulk_create), each with its own ready Video row."""
    now = timezone.now()
    participant = fields.pop("participant", None) or make_participant()
    videos = Video.objects.bulk_create(
        [
            Video(
                status=Video.Status.READY,
                duration=10,
                width=360,
                height=640,
                poster="videos/bulk/poster.webp",
                output="videos/bulk/video.mp4",
            )
            for _ in range(count)
        ]
    )
    entries = Entry.objects.bulk_create(
        [
            Entry(
                participant=participant,
                video=video,
                caption=fields.get("caption", f"Kind moment number {index}"),
                prompt=fields.get("prompt", "moment"),
                language=fields.get("language", "en"),
                state=state,
                submitted_at=now - timedelta(minutes=count - index),
                state_changed_at=now - timedelta(minutes=count - index),
                approved_at=(now - timedelta(minutes=count - index))
                if state in (S.APPROVED, S.HIDDEN)
                else None,
                heart_count=fields.get("heart_count", index % 7),
            )
            for index, video in enumerate(videos)
        ]
    )
    return entries
