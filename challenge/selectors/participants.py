"""Reads for a participant: their profile, their entries and what the upload page
polls."""

import datetime as dt
import math

from allauth.account.models import EmailAddress
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from videos.selectors import processing_time_left, videos_ahead

from ..models import Entry, EntryEvent, Nudge, Participant, RejectReason, TikTokPost


def participant_for(user) -> Participant | None:
    if not user.is_authenticated:
        return None
    return Participant.objects.filter(user=user).first()


def account_addresses(user) -> list[str]:
    """Every address of the account: the user's own and all of allauth's rows
    (verified or not: an address the participant added is theirs either way)."""
    addresses = [user.email] if user.email else []
    addresses += EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    return addresses


def verified_addresses(user) -> list[str]:
    """The addresses the account has proved it receives mail at. Only these speak
    for a person: anyone can add someone else's address to an account, unverified."""
    return list(
        EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    )


def submissions_in_last_day(participant: Participant) -> int:
    """Entries and held uploads of the last 24 hours (withdrawn ones count too)."""
    since = timezone.now() - dt.timedelta(hours=24)
    entries = Entry.objects.filter(participant=participant, created_at__gte=since)
    held = Nudge.objects.filter(
        participant=participant,
        created_at__gte=since,
        outcome=Nudge.Outcome.PENDING,
    )
    return entries.count() + held.count()


def entries_for_participant(participant: Participant):
    """The participant's entries, newest first; withdrawn ones are gone for them.

    Each carries what `entry_status` says of it, read in the same query (a page of
    entries costs the same queries as one): `videos_ahead` in the transcode queue,
    and `decision_reason`, the reason of the latest event that put the entry in its
    present state."""
    decision = EntryEvent.objects.filter(
        entry=OuterRef("pk"), to_state=OuterRef("state")
    ).order_by("-created_at", "-id")
    return (
        Entry.objects.filter(participant=participant)
        .exclude(state=Entry.State.WITHDRAWN)
        .select_related("video", "guardian_consent")
        .annotate(
            videos_ahead=videos_ahead("video"),
            decision_reason=Subquery(decision.values("reason")[:1]),
        )
        .order_by("-created_at")
    )


def entry_for_participant(participant: Participant, pk: int) -> Entry | None:
    return entries_for_participant(participant).filter(pk=pk).first()


def pending_nudge_for_participant(participant: Participant, pk: int) -> Nudge | None:
    return (
        Nudge.objects.filter(
            participant=participant, pk=pk, outcome=Nudge.Outcome.PENDING
        )
        .select_related("video")
        .first()
    )


STATE_WORDS = {
    Entry.State.DRAFT: _("Waiting for your parent or guardian to confirm by email"),
    Entry.State.UPLOADED: _("Uploaded, about to be processed"),
    Entry.State.PROCESSING: _("Processing your video…"),
    Entry.State.PENDING_REVIEW: _("Waiting for review by our team"),
    Entry.State.APPROVED: _("Live in the gallery"),
    Entry.State.REJECTED: _("Not accepted"),
    Entry.State.FAILED: _("Could not be processed"),
    Entry.State.HIDDEN: _("Hidden while our team checks reports"),
    Entry.State.WITHDRAWN: _("Withdrawn"),
}
FINAL_FOR_UPLOAD = {
    Entry.State.PENDING_REVIEW,
    Entry.State.APPROVED,
    Entry.State.REJECTED,
    Entry.State.FAILED,
    Entry.State.DRAFT,
}


def processing_estimate(entry: Entry, ahead: int) -> str:
    """How long processing should still take, in words: a guess from the recent
    pace ("about", never a promise); nothing without one."""
    left = processing_time_left(entry.video, ahead=ahead)
    if left is None:
        return ""
    if left <= 0:
        return str(
            _(
                "This is taking longer than usual. Your entry is safe, and you can "
                "close this page."
            )
        )
    if left <= 60:
        return str(_("Your video should be ready in about a minute."))
    minutes = math.ceil(left / 60)
    return ngettext(
        "Your video should be ready in about %(count)s minute.",
        "Your video should be ready in about %(count)s minutes.",
        minutes,
    ) % {"count": minutes}


def entry_reason(entry: Entry) -> str:
    """Why an entry was not accepted or could not be processed, or how many videos
    are ahead of it at a busy time, in words (`entry` from entries_for_participant)."""
    if entry.state in {Entry.State.UPLOADED, Entry.State.PROCESSING}:
        ahead = entry.videos_ahead
        words = [processing_estimate(entry, ahead)]
        if ahead:
            words.append(
                ngettext(
                    "%(count)s video is ahead of yours. At busy times this takes a "
                    "while: your entry is safe, and you can close this page.",
                    "%(count)s videos are ahead of yours. At busy times this takes a "
                    "while: your entry is safe, and you can close this page.",
                    ahead,
                )
                % {"count": ahead}
            )
        return " ".join(word for word in words if word)
    if entry.state == Entry.State.FAILED:
        return entry.video.failure_reason or str(
            _("The file could not be read as a video.")
        )
    if entry.state in {Entry.State.REJECTED, Entry.State.HIDDEN}:
        if entry.decision_reason in RejectReason.values:
            return str(RejectReason(entry.decision_reason).label)
        if entry.decision_reason in TikTokPost.Problem.values:
            return str(TikTokPost.Problem(entry.decision_reason).label)
        return ""
    return ""


def entry_status(entry: Entry) -> dict:
    """What the upload page polls: a small, JSON-ready view of one entry (from
    entries_for_participant)."""
    return {
        "id": entry.pk,
        "state": entry.state,
        "label": str(STATE_WORDS[entry.state]),
        "reason": entry_reason(entry),
        "done": entry.state in FINAL_FOR_UPLOAD,
        "has_poster": bool(entry.video.poster),
    }
