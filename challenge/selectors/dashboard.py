"""Reads for the moderation dashboard: a handful of aggregate queries, whatever the
size of the queue."""

import datetime as dt
from datetime import timedelta
from statistics import median

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.timesince import timesince

from ..models import Entry, EntryEvent, NoteNudge, Nudge, NudgeOutcome, Report
from .desk import decisions_per_moderator_hour, minors_waiting_longest

DECISIONS = (Entry.State.APPROVED, Entry.State.REJECTED)
DAYS = 14


def _decisions():
    """Moderator decisions on entries waiting for review (undone ones left out)."""
    return EntryEvent.objects.filter(
        actor__isnull=False,
        from_state=Entry.State.PENDING_REVIEW,
        to_state__in=DECISIONS,
        undone_by__isnull=True,
    )


def _median_time_to_decision(since) -> timedelta | None:
    decided = list(
        _decisions()
        .filter(created_at__gte=since)
        .order_by("-created_at")
        .values_list("entry_id", "created_at")[:1000]
    )
    if not decided:
        return None
    # From the upload: the entry's first event (its creation).
    entered = dict(
        EntryEvent.objects.filter(
            entry_id__in=[entry_id for entry_id, _ in decided],
        )
        .values("entry_id")
        .annotate(first=Min("created_at"))
        .values_list("entry_id", "first")
    )
    waits = [
        (decided_at - entered[entry_id]).total_seconds()
        for entry_id, decided_at in decided
        if entry_id in entered
    ]
    return timedelta(seconds=median(waits)) if waits else None


def typical_review_time(now=None) -> timedelta | None:
    """How long review usually takes: the median wait of the last DAYS days'
    decisions, once there are REVIEW_TIME_MIN_DECISIONS of them (fewer say little).
    Cached for ten minutes: every upload page shows it."""
    key = "challenge:typical-review-time"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    now = now or timezone.now()
    since = now - timedelta(days=DAYS)
    enough = (
        _decisions()
        .filter(created_at__gte=since)[: settings.REVIEW_TIME_MIN_DECISIONS]
        .count()
        >= settings.REVIEW_TIME_MIN_DECISIONS
    )
    wait = _median_time_to_decision(since) if enough else None
    cache.set(key, wait or 0, 600)
    return wait


def dashboard_figures(now=None) -> dict:
    now = now or timezone.now()
    since = now - timedelta(days=DAYS)
    queue = Entry.objects.filter(state=Entry.State.PENDING_REVIEW).aggregate(
        length=Count("id"), oldest=Min("state_changed_at")
    )
    per_day_rows = (
        _decisions()
        .filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            approved=Count("id", filter=Q(to_state=Entry.State.APPROVED)),
            rejected=Count("id", filter=Q(to_state=Entry.State.REJECTED)),
        )
    )
    by_day = {row["day"]: row for row in per_day_rows}
    today = timezone.localdate(now)
    per_day = []
    for offset in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=offset)
        row = by_day.get(day, {})
        approved, rejected = row.get("approved", 0), row.get("rejected", 0)
        per_day.append(
            {
                "day": day,
                "approved": approved,
                "rejected": rejected,
                "total": approved + rejected,
            }
        )
    median_wait = _median_time_to_decision(since)
    approved = sum(day["approved"] for day in per_day)
    decided = sum(day["total"] for day in per_day)
    busiest = max((day["total"] for day in per_day), default=0)
    return {
        "queue_length": queue["length"],
        "oldest_waiting": queue["oldest"],
        "median_time_to_decision": median_wait,
        "median_time_to_decision_text": timesince(now - median_wait, now)
        if median_wait
        else "",
        "per_day": per_day,
        "busiest_day": max(busiest, 1),
        "decided": decided,
        "approval_rate": approved / decided if decided else None,
        "open_reports": Report.objects.filter(resolved_at__isnull=True).count(),
        "hidden": Entry.objects.filter(state=Entry.State.HIDDEN).count(),
        "nudge": nudge_stats(),
        "note_nudge": note_nudge_stats(),
        "days": DAYS,
        "minors_waiting": minors_waiting_longest(now=now),
        "per_moderator": decisions_per_moderator_hour(now=now),
    }


def _outcome_stats(prompts) -> dict:
    """Counts of each answer to a "think before you post" prompt. `reconsidered`
    counts those who edited or cancelled; `rate` is reconsidered / answered (None
    before anyone answered)."""
    counts = prompts.aggregate(
        shown=Count("pk"),
        edited=Count("pk", filter=Q(outcome=NudgeOutcome.EDITED)),
        cancelled=Count("pk", filter=Q(outcome=NudgeOutcome.CANCELLED)),
        posted_anyway=Count("pk", filter=Q(outcome=NudgeOutcome.POSTED_ANYWAY)),
        abandoned=Count("pk", filter=Q(outcome=NudgeOutcome.ABANDONED)),
        pending=Count("pk", filter=Q(outcome=NudgeOutcome.PENDING)),
    )
    reconsidered = counts["edited"] + counts["cancelled"]
    answered = reconsidered + counts["posted_anyway"]
    return {
        **counts,
        "reconsidered": reconsidered,
        "answered": answered,
        "rate": (reconsidered / answered) if answered else None,
    }


def nudge_stats(*, since: dt.datetime | None = None) -> dict:
    """How people answered "think before you post" for captions on this site.

    This site's own measured figure: pages show it labelled as such, never next to
    TikTok's "about 4 in 10" as if it were the same measurement.
    """
    nudges = Nudge.objects.all()
    if since is not None:
        nudges = nudges.filter(created_at__gte=since)
    return _outcome_stats(nudges)


def note_nudge_stats(*, since: dt.datetime | None = None) -> dict:
    """The same figures for kind notes (NoteNudge), shown beside the captions'."""
    prompts = NoteNudge.objects.all()
    if since is not None:
        prompts = prompts.filter(created_at__gte=since)
    return _outcome_stats(prompts)


def entry_state_samples() -> list[tuple[str, dict, float, str]]:
    """Prometheus samples: entries by state (listed in settings.METRICS_COLLECTORS)."""
    return [
        ("kh_entries", {"state": row["state"]}, row["n"], "gauge")
        for row in Entry.objects.values("state").annotate(n=Count("id"))
    ]
