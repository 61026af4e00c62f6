"""Retention and participants' rights: export their data, delete their account, and
delete what we no longer need on a schedule (see the retention table in the README).
"""

import datetime as dt
import json
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.journal import deletion_record, journal_purge
from videos.models import Video, private_storage
from videos.services import video_delete

from ..errors import StaffAccountKept
from ..models import (
    Entry,
    EntryEvent,
    GuardianConsent,
    Heart,
    Note,
    NoteBlock,
    NoteNudge,
    NoteReport,
    NoteSettings,
    Nudge,
    Participant,
    Report,
)
from ..selectors.gallery import gallery_changed_on_commit, gallery_grew
from ..states import TransitionNotAllowed, entry_transition
from .devices import sightings_forget_expired
from .erasure import entry_erase
from .guardian import ERASED_EMAIL
from .participants import age_gate_forget_expired
from .submission import entry_withdraw
from .uploads import resumable_uploads_delete

# How guardians' decisions were once noted (with the address): erased on sight.
GUARDIAN_NOTE_PREFIX = "guardian: "


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def participant_data(*, user) -> dict:
    """Everything we hold about this account, as plain JSON-able data.

    Moderators' identities are left out: they are staff's personal data, not the
    participant's; the decision, its reason and time are included.
    """
    participant = Participant.objects.filter(user=user).first()
    data: dict = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "email_addresses": list(
                user.emailaddress_set.values("email", "verified", "primary")
            ),
        },
        "profile": None,
        "entries": [],
        "hearts_given": [],
        "reports_made": [],
    }
    if participant is not None:
        data["profile"] = {
            "handle": participant.handle,
            "birth_month": participant.birth_month,
            "birth_year": participant.birth_year,
            "country": participant.country,
            "language": participant.language,
            "created": _iso(participant.created_at),
        }
        entries = participant.entries.select_related(
            "video", "tiktok"
        ).prefetch_related("events")
        consents = {
            c.entry_id: c
            for c in GuardianConsent.objects.filter(entry__participant=participant)
        }
        for entry in entries:
            consent = consents.get(entry.pk)
            data["entries"].append(
                {
                    "id": entry.pk,
                    "caption": entry.caption,
                    "prompt": entry.prompt,
                    "language": entry.language,
                    "state": entry.state,
                    "created": _iso(entry.created_at),
                    "submitted": _iso(entry.submitted_at),
                    "approved": _iso(entry.approved_at),
                    "hearts": entry.heart_count,
                    "kindness_prompt_outcome": entry.nudge_outcome,
                    "video_file": (
                        f"videos/entry-{entry.pk}.mp4" if entry.video.output else None
                    ),
                    # A TikTok post shown instead of an upload: where it lives.
                    "tiktok_post": (
                        {"link": entry.tiktok.url, "account": entry.tiktok.handle}
                        if hasattr(entry, "tiktok")
                        else None
                    ),
                    "history": [
                        {
                            "from": event.from_state,
                            "to": event.to_state,
                            "reason": event.reason,
                            "time": _iso(event.created_at),
                        }
                        for event in entry.events.all()
                    ],
                    "guardian_consent": (
                        {
                            "guardian_email": consent.guardian_email,
                            "decision": consent.decision,
                            "requested": _iso(consent.requested_at),
                            "decided": _iso(consent.decided_at),
                            "answered_from": consent.answered_device,
                            "answered_from_your_network": (
                                consent.from_participant_network
                            ),
                            "your_browser_tried_to_answer": _iso(
                                consent.participant_tried_at
                            ),
                        }
                        if consent
                        else None
                    ),
                }
            )
        data["kindness_prompts"] = [
            {"caption": n.caption, "outcome": n.outcome, "time": _iso(n.created_at)}
            for n in Nudge.objects.filter(participant=participant)
        ]
        data["tiktok_codes"] = [
            {
                "tiktok_account": claim.handle,
                "code": claim.code,
                "created": _iso(claim.created_at),
                "used": _iso(claim.used_at),
            }
            for claim in participant.tiktok_claims.order_by("created_at")
        ]
        data["notes"] = _notes_data(participant)
        # Where one signed in and uploaded from: the random id this browser's
        # cookie holds for the account and a keyed hash of the network.
        data["devices"] = [
            {
                "device_id": sighting.device_id,
                "network_hash": sighting.network_hash,
                "first_seen": _iso(sighting.first_seen),
                "last_seen": _iso(sighting.last_seen),
            }
            for sighting in participant.sightings.order_by("first_seen")
        ]
    data["hearts_given"] = [
        {"entry": h.entry_id, "time": _iso(h.created_at)}
        for h in Heart.objects.filter(user=user)
    ]
    data["reports_made"] = [
        {
            "entry": r.entry_id,
            "reason": r.reason,
            "text": r.text,
            "time": _iso(r.created_at),
        }
        for r in Report.objects.filter(user=user)
    ]
    return data


def _notes_data(participant: Participant) -> dict:
    """The notes one wrote (with what happened to them), the "think before you
    post" prompts for notes, and one's own choices for notes on one's entries."""
    row = NoteSettings.objects.filter(participant=participant).first()
    return {
        "written": [
            {
                "entry": note.entry_id,
                "text": note.text,
                "state": note.state,
                "kindness_prompt_outcome": note.nudge_outcome,
                "time": _iso(note.created_at),
            }
            for note in Note.objects.filter(author=participant).order_by("created_at")
        ],
        "kindness_prompts": [
            {
                "entry": n.entry_id,
                "text": n.text,
                "outcome": n.outcome,
                "time": _iso(n.created_at),
            }
            for n in NoteNudge.objects.filter(participant=participant)
        ],
        "settings": {
            "open": row.open,
            "hidden_words": row.word_list(),
            "daily_mail": row.digest,
            "guardian_email": row.guardian_email,
            "guardian_agreed": _iso(row.guardian_confirmed_at),
        }
        if row
        else None,
        "blocked": [
            {"handle": block.handle, "time": _iso(block.created_at)}
            for block in NoteBlock.objects.filter(owner=participant)
        ],
        "reports_made": [
            {
                "note": report.note_id,
                "reason": report.reason,
                "text": report.text,
                "network_hash": report.network_hash,
                "time": _iso(report.created_at),
            }
            for report in NoteReport.objects.filter(user=participant.user)
        ],
    }


def participant_export_zip(*, user) -> Path:
    """A zip with data.json and the participant's processed videos, written to a
    temporary file (videos are copied by chunks, never held in memory). The caller
    deletes the file once it has been sent."""
    data = participant_data(user=user)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - returned to the caller
        prefix="export-", suffix=".zip", dir=settings.FILE_UPLOAD_TEMP_DIR, delete=False
    )
    handle.close()
    path = Path(handle.name)
    storage = private_storage()
    outputs = {
        entry.pk: entry.video.output.name
        for entry in Entry.objects.filter(participant__user=user).select_related(
            "video"
        )
        if entry.video.output
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        )
        for entry_id, name in outputs.items():
            with (
                storage.open(name, "rb") as source,
                archive.open(f"videos/entry-{entry_id}.mp4", "w") as target,
            ):
                while chunk := source.read(1024 * 1024):
                    target.write(chunk)
    return path


def account_delete(*, user) -> None:
    """Delete the account with everything that belongs to it.

    Resumable uploads (unfinished, or finished and not yet used) go with their
    files once this commits. Entries are withdrawn (so their files are deleted once
    this commits and the gallery forgets them), the videos of entries and of open
    kindness prompts become tombstones rather than disappearing (a transcode still
    running finds the tombstone and deletes what it wrote;
    videos.services.video_delete), hearts given are taken back (so counts stay right),
    notes written, note prompts, note settings and blocks are deleted with the
    participant, reports made stay for the moderators but lose the link to the
    account (and, on notes, the hash of the network they came from).

    A staff account is refused (StaffAccountKept): deleting it would erase who made
    its moderation decisions from the audit log.
    """
    if user.is_staff or user.is_superuser:
        raise StaffAccountKept()
    with transaction.atomic():
        deletion_record("account", user.pk)
        resumable_uploads_delete(user=user)
        for entry in Entry.objects.filter(participant__user=user).exclude(
            state=Entry.State.WITHDRAWN
        ):
            entry_withdraw(entry=entry, actor=None, reason="account_deleted")
        hearted = list(
            Heart.objects.filter(user=user).values_list("entry_id", flat=True)
        )
        # Whatever state the entry is in now (hidden, rejected…): take the heart back.
        Heart.objects.filter(user=user).delete()
        Entry.objects.filter(pk__in=hearted, heart_count__gt=0).update(
            heart_count=F("heart_count") - 1
        )
        NoteReport.objects.filter(user=user).update(network_hash="")
        # Notes written go with the account (its Participant row, by cascade);
        # the entry pages that showed them must not be served from the cache.
        noted = set(
            Note.objects.filter(author__user=user).values_list("entry_id", flat=True)
        )
        if noted:
            gallery_changed_on_commit(noted)
        elif hearted:
            transaction.on_commit(gallery_grew)
        for video_id in (
            Video.objects.filter(
                Q(entry__participant__user=user)
                | Q(held_by_nudge__participant__user=user)
            )
            .distinct()
            .values_list("pk", flat=True)
        ):
            video_delete(video_id=video_id)
        # The entries and prompts go with the account; their videos' tombstones
        # stay until the sweep finds their files gone (video_tombstones_sweep).
        get_user_model().objects.filter(pk=user.pk).delete()


def account_delete_replay(line: dict) -> bool:
    """The deletion journal's replayer for accounts (core.journal): an account
    restored from a backup taken before it was deleted is deleted again, with
    everything account_delete takes. False when it is already gone (or is staff
    now: never deleted by a replay)."""
    user = get_user_model().objects.filter(pk=line["id"]).first()
    if user is None or user.is_staff or user.is_superuser:
        return False
    account_delete(user=user)
    return True


def retention_days() -> dict[str, int]:
    return {
        "rejected": settings.RETENTION_REJECTED_DAYS,
        "failed": settings.RETENTION_FAILED_DAYS,
        "consent": settings.RETENTION_CONSENT_DAYS,
        "guardian_wait": settings.GUARDIAN_WAIT_DAYS,
    }


def guardian_no_answer_purge(*, now=None) -> int:
    """Withdraw the entries whose guardian has not answered GUARDIAN_WAIT_DAYS after
    the upload: the video's files and the caption go (entry_erase), and so does the
    guardian's address; the row and its history stay.

    Counted from the upload, not from the last re-sent mail, so a child's video
    waiting without consent is kept for a bounded time whatever is clicked. Each
    entry in its own transaction, through the state machine (DRAFT only): a guardian
    answering at the same moment either wins (the entry is no longer a draft) or
    finds the link closed.
    """
    before = (now or timezone.now()) - dt.timedelta(days=settings.GUARDIAN_WAIT_DAYS)
    waiting = GuardianConsent.objects.filter(
        decision=GuardianConsent.Decision.PENDING,
        entry__state=Entry.State.DRAFT,
        entry__created_at__lt=before,
    ).values_list("pk", "entry_id")
    purged = 0
    for consent_id, entry_id in waiting:
        try:
            with transaction.atomic():
                entry = entry_transition(
                    entry_id=entry_id,
                    to_state=Entry.State.WITHDRAWN,
                    reason="guardian_no_answer",
                    expected_from={Entry.State.DRAFT},
                )
                entry_erase(entry=entry)
                GuardianConsent.objects.filter(pk=consent_id).update(
                    guardian_email=ERASED_EMAIL
                )
        except TransitionNotAllowed:
            continue
        purged += 1
    return purged


def retention_sweep(*, now=None) -> dict[str, int]:
    """Delete what we no longer need (the README's retention table):

    - media of rejected entries and of videos that failed processing, after
      RETENTION_REJECTED_DAYS / RETENTION_FAILED_DAYS (the row and its audit trail
      stay, the caption is emptied);
    - guardians' email addresses RETENTION_CONSENT_DAYS after the entry they
      consented to stopped being public or pending (the decision and its time stay);
    - entries whose guardian never answered, GUARDIAN_WAIT_DAYS after the upload
      (withdrawn, files and the guardian's address erased);
    - where participants signed in and uploaded from (DeviceSighting),
      RETENTION_CONSENT_DAYS after it was last seen;
    - the deletion journal's days older than DELETION_JOURNAL_DAYS (core.journal).
    """
    now = now or timezone.now()
    counts = {"rejected_media": 0, "failed_media": 0, "guardian_emails": 0}
    counts["guardian_no_answer"] = guardian_no_answer_purge(now=now)
    rejected_before = now - dt.timedelta(days=settings.RETENTION_REJECTED_DAYS)
    for entry in Entry.objects.filter(
        state=Entry.State.REJECTED, state_changed_at__lt=rejected_before
    ).select_related("video"):
        if entry.video.source or entry.video.output or entry.video.poster:
            with transaction.atomic():
                entry_erase(entry=entry)
            counts["rejected_media"] += 1
    failed_before = now - dt.timedelta(days=settings.RETENTION_FAILED_DAYS)
    for video_id in Video.objects.filter(
        status=Video.Status.FAILED, updated_at__lt=failed_before
    ).values_list("pk", flat=True):
        with transaction.atomic():
            if video_delete(video_id=video_id):
                counts["failed_media"] += 1
    consent_before = now - dt.timedelta(days=settings.RETENTION_CONSENT_DAYS)
    # The answering network's hash is part of the proof of consent: it goes with
    # the address (whether the participant used that network stays, as a flag).
    counts["guardian_emails"] = (
        GuardianConsent.objects.filter(
            entry__state__in=[
                Entry.State.REJECTED,
                Entry.State.FAILED,
                Entry.State.WITHDRAWN,
            ],
            entry__state_changed_at__lt=consent_before,
        )
        .exclude(guardian_email=ERASED_EMAIL)
        .update(guardian_email=ERASED_EMAIL, answered_network="")
    )
    # Decisions recorded before the address was kept out of the audit log.
    EntryEvent.objects.filter(note__startswith=GUARDIAN_NOTE_PREFIX).update(note="")
    # Entries erased before their videos' original file names were.
    erased = Video.objects.filter(entry__isnull=False, source="", output="", poster="")
    erased.exclude(original_name="").update(original_name="")
    counts["age_gate_refusals"] = age_gate_forget_expired(now=now)
    counts["device_sightings"] = sightings_forget_expired(now=now)
    counts["deletion_journal_days"] = journal_purge(now=now)
    return counts
