"""The one set of factories for the challenge tests (and the e2e and security tests
that need challenge data). Fixtures live in tests/challenge/conftest.py and call
these.

Entries are made the way the app makes them: created in their initial state with
their creation recorded (`entry_record_created`), then walked along the allowed
transitions (`entry_transition`) to the state asked for, so every entry has the
EntryEvent history the app would have written. Only timestamps are moved afterwards
(how long the entry has waited, the order of approval); the state never is.
"""

import datetime as dt
import importlib
import itertools
import uuid
from io import BytesIO
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from challenge.models import Entry, EntryEvent, Nudge, Participant, RejectReason
from challenge.states import entry_record_created, entry_transition
from videos.models import Video

S = Entry.State
PASSWORD = "kind-Passw0rd-42"
_numbers = itertools.count(1)
_CLIP_CACHE: dict[str, bytes] = {}

# The path each asked-for state is reached by, from UPLOADED (DRAFT is its own
# initial state): (next state, the reason the app records for that step).
_TO_REVIEW = [(S.PROCESSING, "handed_over"), (S.PENDING_REVIEW, "video_ready")]
PATHS: dict[str, list[tuple[str, str]]] = {
    S.DRAFT: [],
    S.UPLOADED: [],
    S.PROCESSING: [(S.PROCESSING, "handed_over")],
    S.PENDING_REVIEW: _TO_REVIEW,
    S.APPROVED: [*_TO_REVIEW, (S.APPROVED, "")],
    S.HIDDEN: [*_TO_REVIEW, (S.APPROVED, ""), (S.HIDDEN, "moderator")],
    S.REJECTED: [*_TO_REVIEW, (S.REJECTED, RejectReason.SPAM)],
    S.FAILED: [(S.PROCESSING, "handed_over"), (S.FAILED, "not_video")],
    S.WITHDRAWN: [*_TO_REVIEW, (S.WITHDRAWN, "withdrawn_by_participant")],
}


# --- People ---------------------------------------------------------------------------


def birth_for_age(age: int, today: dt.date | None = None) -> tuple[int, int]:
    """A (year, month) of birth that makes someone exactly `age` today."""
    today = today or timezone.localdate()
    month = 1 if today.month > 1 else 12
    year = today.year - age - (0 if today.month > 1 else 1)
    return year, month


def moderators_group() -> Group:
    """The group the data migration made (rebuilt after a transactional test's
    flush, which keeps permissions but not groups)."""
    group, created = Group.objects.get_or_create(name="Moderators")
    if created:
        granted = [
            *importlib.import_module(
                "challenge.migrations.0004_moderators_group"
            ).MODERATOR_PERMISSIONS,
            *importlib.import_module(
                "challenge.migrations.0013_moderators_moderate_notes"
            ).NOTE_PERMISSIONS,
        ]
        for app_label, model, codename in granted:
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
    email: str | None = None,
    verified: bool = True,
    password: str = PASSWORD,
    staff: bool = False,
    superuser: bool = False,
    moderator: bool = False,
    perms: tuple[str, ...] = (),
):
    """An account with its (verified) primary email address, as allauth makes it."""
    number = next(_numbers)
    suffix = uuid.uuid4().hex[:6]
    email = email or f"person{number}-{suffix}@example.org"
    user = get_user_model().objects.create_user(
        username=f"person{number}-{suffix}",
        email=email,
        password=password,
        is_staff=staff or moderator or superuser,
        is_superuser=superuser,
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    if moderator:
        user.groups.add(moderators_group())
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def make_participant(*, age=25, country="FR", handle=None, user=None, language="en"):
    year, month = birth_for_age(age)
    return Participant.objects.create(
        user=user or make_user(),
        handle=handle or f"kind_{next(_numbers)}",
        birth_year=year,
        birth_month=month,
        country=country,
        language=language,
    )


# --- Videos -----------------------------------------------------------------------------


def _poster_bytes(color=(194, 37, 92)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (90, 160), color).save(buffer, "WEBP")
    return buffer.getvalue()


def _clip_bytes(tmp_dir: Path) -> bytes:
    if "mp4" not in _CLIP_CACHE:
        from videos.clips import make_clip

        path = make_clip(
            tmp_dir / "clip.mp4", seconds=1, width=160, height=288, audio=False
        )
        _CLIP_CACHE["mp4"] = path.read_bytes()
    return _CLIP_CACHE["mp4"]


def _ladder_files(tmp_dir: Path) -> dict:
    """A real HLS ladder of the cached clip ({relative name: bytes}), made once."""
    if "ladder" not in _CLIP_CACHE:
        import tempfile

        from videos import pipeline

        folder = Path(tempfile.mkdtemp(dir=tmp_dir))
        source = folder / "clip.mp4"
        source.write_bytes(_clip_bytes(tmp_dir))
        limits = pipeline.Limits(
            max_bytes=10**8,
            max_duration=60,
            max_dimension=4096,
            max_pixels=4096 * 2160,
            output_max_height=720,
            preset="ultrafast",
            crf=30,
        )
        info = pipeline.probe(source, limits)
        result = pipeline.transcode(
            source, None, None, info, limits, hls_dir=folder / "hls"
        )
        _CLIP_CACHE["ladder"] = {
            path.relative_to(folder / "hls").as_posix(): path.read_bytes()
            for path in sorted((folder / "hls").rglob("*"))
            if path.is_file()
        }
        _CLIP_CACHE["rungs"] = result.ladder
    return _CLIP_CACHE["ladder"]


def make_video(
    *, failed: bool = False, with_files: bool = False, tmp_dir: Path | None = None
) -> Video:
    """A processed video (ready, or failed as an unreadable file would be).

    `with_files=True` writes a real poster (WebP), a real MP4 and its real HLS
    ladder into private storage, for the tests that fetch media; otherwise the
    fields only name them.
    """
    video = Video.objects.create(
        status=Video.Status.FAILED if failed else Video.Status.READY,
        failure_code="not_video" if failed else "",
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
        storage = video.output.storage
        for name, content in _ladder_files(tmp_dir or Path("/tmp")).items():
            stored = storage.save(f"videos/{video.pk}/hls/{name}", ContentFile(content))
            if name == "master.m3u8":
                video.stream.name = stored
        video.ladder = _CLIP_CACHE["rungs"]
        video.save()
    else:
        Video.objects.filter(pk=video.pk).update(
            poster=f"videos/{video.pk}/poster.webp",
            output=f"videos/{video.pk}/video.mp4",
        )
        video.refresh_from_db()
    return video


# --- Entries ------------------------------------------------------------------------------


def make_entry(
    *,
    state: str = S.PENDING_REVIEW,
    participant=None,
    caption: str = "A stranger helped me pick up my books #kindness",
    prompt: str = "moment",
    language: str = "en",
    with_files: bool = False,
    tmp_dir=None,
    waited: dt.timedelta = dt.timedelta(hours=1),
    decided_by=None,
    approved_at: dt.datetime | None = None,
    **fields,
) -> Entry:
    """An entry in `state`, reached through the state machine `waited` ago.

    Other keyword arguments (heart_count, report_count, watched_hits,
    nudge_outcome, is_minor…) are stored as they are. `decided_by` is the
    moderator recorded on the approve/reject/hide steps (none by default, so the
    dashboard's figures only count the decisions a test makes itself).
    """
    participant = participant or make_participant()
    video = make_video(failed=state == S.FAILED, with_files=with_files, tmp_dir=tmp_dir)
    return _entry_through_states(
        state=state,
        participant=participant,
        video=video,
        caption=caption,
        prompt=prompt,
        language=language,
        since=timezone.now() - waited,
        decided_by=decided_by,
        approved_at=approved_at,
        **fields,
    )


def make_entries(count: int, *, state: str = S.PENDING_REVIEW, **fields) -> list:
    """`count` entries of one participant, a minute apart (the last made is the
    newest), each with its own ready video and its own history."""
    now = timezone.now()
    participant = fields.pop("participant", None) or make_participant()
    videos = Video.objects.bulk_create(
        [
            Video(
                status=Video.Status.FAILED if state == S.FAILED else Video.Status.READY,
                duration=10,
                width=360,
                height=640,
                poster="videos/bulk/poster.webp",
                output="videos/bulk/video.mp4",
            )
            for _ in range(count)
        ]
    )
    entries = []
    for index, video in enumerate(videos):
        since = now - dt.timedelta(minutes=count - index)
        entries.append(
            _entry_through_states(
                state=state,
                participant=participant,
                video=video,
                caption=fields.get("caption", f"Kind moment number {index}"),
                prompt=fields.get("prompt", "moment"),
                language=fields.get("language", "en"),
                since=since,
                approved_at=since if state in (S.APPROVED, S.HIDDEN) else None,
                heart_count=fields.get("heart_count", index % 7),
            )
        )
    return entries


def _entry_through_states(
    *,
    state,
    participant,
    video,
    caption,
    prompt,
    language,
    since,
    decided_by=None,
    approved_at=None,
    **fields,
) -> Entry:
    initial = S.DRAFT if state == S.DRAFT else S.UPLOADED
    entry = Entry.objects.create(
        participant=participant,
        video=video,
        caption=caption,
        prompt=prompt,
        language=language,
        state=initial,
        submitted_at=None if initial == S.DRAFT else since,
        **fields,
    )
    entry_record_created(entry=entry, actor=participant.user)
    for to_state, reason in PATHS[state]:
        actor = {
            S.APPROVED: decided_by,
            S.REJECTED: decided_by,
            S.HIDDEN: decided_by,
            S.WITHDRAWN: participant.user,
        }.get(to_state)
        entry = entry_transition(
            entry_id=entry.pk, to_state=to_state, actor=actor, reason=reason
        )
    # The whole history happened `since`: the entry has waited that long.
    timestamps = {"state_changed_at": since}
    if approved_at is not None or entry.approved_at is not None:
        timestamps["approved_at"] = approved_at or since
    Entry.objects.filter(pk=entry.pk).update(**timestamps)
    EntryEvent.objects.filter(entry=entry).update(created_at=since)
    entry.refresh_from_db()
    return entry


def make_nudge(
    *,
    participant=None,
    outcome: str = Nudge.Outcome.PENDING,
    caption: str = "you are such an idiot",
    with_video: bool = True,
    with_files: bool = False,
    tmp_dir=None,
    age: dt.timedelta = dt.timedelta(0),
) -> Nudge:
    """A "think before you post" prompt shown `age` ago, holding its upload."""
    nudge = Nudge.objects.create(
        participant=participant or make_participant(),
        video=make_video(with_files=with_files, tmp_dir=tmp_dir)
        if with_video
        else None,
        caption=caption,
        prompt="moment",
        language="en",
        hits=[{"phrase": "idiot", "matched": "idiot", "language": "en"}],
        outcome=outcome,
    )
    if age:
        Nudge.objects.filter(pk=nudge.pk).update(created_at=timezone.now() - age)
        nudge.refresh_from_db()
    return nudge


# --- Form data ------------------------------------------------------------------------------


def entry_post_data(upload_file, **overrides):
    """What the submit form posts; a None value leaves the field out."""
    data = {
        "caption": "My friend helped me when I felt alone",
        "prompt": "moment",
        "language": "en",
        "accept_rules": "on",
        "accept_gallery": "on",
        "submission_token": str(uuid.uuid4()),
        "video": upload_file,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def video_files(video: Video) -> list:
    """The files a video has in storage (source, output, poster), set ones only."""
    return [f for f in (video.source, video.output, video.poster) if f]
