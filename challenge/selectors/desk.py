"""Reads of the review desk: the queue in priority order and the next entry to
review (for the desk and the review page's "& next" alike), what a moderator needs
to know about one entry, and the figures of the dashboard about waiting and
throughput.

Priority, first to last:
0. minors' entries that have waited half of MODERATION_MINOR_MAX_WAIT_MINUTES (so
   they are decided within it, however long the backlog);
1. entries with reports (hidden after reports) or watched-word hits;
2. the rest;
oldest first within each tier (the time the entry reached its state).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import TruncHour
from django.utils import timezone

from ..ages import age_in_years
from ..models import Entry, EntryEvent
from .guardian import consent_record

# The states that wait for a moderator: new entries, and entries hidden after
# reports (restore or remove).
DESK_STATES = (Entry.State.PENDING_REVIEW, Entry.State.HIDDEN)
DECIDED = (Entry.State.APPROVED, Entry.State.REJECTED, Entry.State.HIDDEN)


def minor_due_at(now) -> datetime:
    return now - timedelta(minutes=settings.MODERATION_MINOR_MAX_WAIT_MINUTES) / 2


def desk_queue(*, now=None):
    """Entries waiting for a moderator, in the order the desk serves them."""
    now = now or timezone.now()
    return (
        Entry.objects.filter(state__in=DESK_STATES)
        .annotate(
            priority=Case(
                When(is_minor=True, state_changed_at__lte=minor_due_at(now), then=0),
                When(Q(report_count__gt=0) | ~Q(watched_hits=[]), then=1),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("priority", "state_changed_at", "id")
    )


def free_for(moderator, now) -> Q:
    """Entries no other moderator holds: never claimed, the claim expired, or mine."""
    return (
        Q(claimed_until__isnull=True)
        | Q(claimed_until__lte=now)
        | Q(claimed_by=moderator)
    )


def review_queue_for(*, moderator, exclude=(), now=None):
    """The desk's queue as this moderator may take it, in the same order: entries
    other moderators hold and `exclude` (entries this moderator skipped, or the one
    just decided) left out."""
    now = now or timezone.now()
    return (
        desk_queue(now=now)
        .filter(free_for(moderator, now))
        .exclude(pk__in=list(exclude))
    )


def next_to_review(*, moderator, exclude=()) -> Entry | None:
    """The next entry to review: what the review page's "approve & next" opens, and
    what the desk would most likely serve (its video and poster are fetched ahead).
    Only a guess where the desk is concerned: the claim decides
    (claims.entry_claim_next)."""
    return (
        review_queue_for(moderator=moderator, exclude=exclude)
        .select_related("video")
        .first()
    )


def age_band(entry: Entry, today=None) -> str:
    """ "13-15", "16-17" or "18+": enough to review with care, no birth date shown."""
    participant = entry.participant
    age = age_in_years(participant.birth_year, participant.birth_month, today)
    if age < 16:
        return "13-15"
    if age < 18:
        return "16-17"
    return "18+"


def desk_entry_context(entry: Entry) -> dict:
    """Signals shown beside the video: account age, earlier decisions on this
    participant's other entries, reports, how the guardian's consent was given."""
    participant = entry.participant
    earlier = (
        EntryEvent.objects.filter(
            entry__participant=participant,
            actor__isnull=False,
            to_state__in=DECIDED,
            undone_by__isnull=True,
        )
        .exclude(entry=entry)
        .values("to_state")
        .annotate(n=Count("id"))
    )
    counts = {row["to_state"]: row["n"] for row in earlier}
    return {
        "account_since": participant.user.date_joined,
        "earlier_approved": counts.get(Entry.State.APPROVED, 0),
        "earlier_rejected": counts.get(Entry.State.REJECTED, 0),
        "earlier_hidden": counts.get(Entry.State.HIDDEN, 0),
        "open_reports": list(
            entry.reports.filter(resolved_at__isnull=True).order_by("-created_at")[:5]
        ),
        "age_band": age_band(entry),
        "consent": consent_record(entry),
    }


def minors_waiting_longest(*, limit: int = 5, now=None) -> list[dict]:
    """The minors' entries that have waited longest for a decision."""
    now = now or timezone.now()
    limit_wait = timedelta(minutes=settings.MODERATION_MINOR_MAX_WAIT_MINUTES)
    rows = (
        Entry.objects.filter(state=Entry.State.PENDING_REVIEW, is_minor=True)
        .select_related("participant")
        .order_by("state_changed_at", "id")[:limit]
    )
    return [
        {
            "entry": entry,
            "since": entry.state_changed_at,
            "overdue": now - entry.state_changed_at > limit_wait,
        }
        for entry in rows
    ]


def decisions_per_moderator_hour(*, hours: int = 24, now=None) -> dict:
    """Moderator decisions (not undone) per moderator and hour, over the last
    `hours` hours: {"hours": [hour, ...], "rows": [{"moderator", "counts", "total",
    "per_active_hour"}]} for the dashboard's table."""
    now = now or timezone.now()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    decided = (
        EntryEvent.objects.filter(
            actor__isnull=False,
            created_at__gte=start,
            to_state__in=DECIDED,
            undone_by__isnull=True,
            undoes__isnull=True,
        )
        .annotate(hour=TruncHour("created_at"))
        .values("actor__username", "hour")
        .annotate(n=Count("id"))
    )
    table: dict[str, dict] = {}
    for row in decided:
        per_hour = table.setdefault(row["actor__username"], {})
        per_hour[row["hour"]] = per_hour.get(row["hour"], 0) + row["n"]
    hour_list = [start + timedelta(hours=i) for i in range(hours)]
    rows = []
    for name in sorted(table):
        counts = table[name]
        total = sum(counts.values())
        rows.append(
            {
                "moderator": name,
                "counts": [counts.get(hour, 0) for hour in hour_list],
                "total": total,
                "per_active_hour": round(total / len(counts), 1),
                "busiest": max(counts.values()),
            }
        )
    return {"hours": hour_list, "rows": rows}
