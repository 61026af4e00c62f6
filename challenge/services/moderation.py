"""Moderation services: decisions on entries, reports from visitors, hearts.

Every decision goes through `challenge.states.entry_transition` with the states the
decision may start from (`expected_from`), under the entry's row lock: two moderators
deciding the same entry at once get one decision and one refusal, never two. Side
effects (the participant's email, the gallery cache) run after commit; the
participant's email waits until the undo window (MODERATION_UNDO_SECONDS) is over, and
is not sent for a decision that was undone.

A decision on an entry another moderator holds in the review desk is refused
(claims.EntryClaimed), checked under the same row lock.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from smtplib import SMTPException

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs import enqueue_on_commit

from .. import jobs
from ..emails import moderation_notice_message, report_burst_message
from ..models import (
    Entry,
    EntryEvent,
    GuardianNotice,
    ModerationNotice,
    RejectReason,
    Report,
    ReportReason,
)
from ..nudge import needs_careful_review
from ..selectors.desk import DESK_STATES
from ..selectors.gallery import gallery_changed, public_entries
from ..states import UNDOABLE, TransitionNotAllowed, entry_transition
from .claims import (
    MODERATE_PERMISSION,
    EntryClaimed,
    can_moderate,
    entry_claim,
    entry_claim_clear,
    entry_lock_unclaimed,
)
from .guardian import guardian_published_notice
from .notices import notice_deliver

log = logging.getLogger(__name__)
S = Entry.State
__all__ = ["MODERATE_PERMISSION", "EntryClaimed", "can_moderate"]
# The participant's email leaves a little after the undo window closes.
NOTICE_MARGIN_SECONDS = 5


def notice_delay() -> int:
    return settings.MODERATION_UNDO_SECONDS + NOTICE_MARGIN_SECONDS


def _require_moderator(actor) -> None:
    if not can_moderate(actor):
        raise PermissionDenied(_("Only moderators can decide on entries."))


def _latest_event(entry: Entry) -> EntryEvent:
    return EntryEvent.objects.filter(entry=entry).order_by("-id").first()


def _schedule_notice(event: EntryEvent, kind: str) -> None:
    notice = ModerationNotice.objects.create(event=event, kind=kind)
    enqueue_on_commit(jobs.MODERATION_NOTICE_SEND, notice.pk, countdown=notice_delay())


def _resolve_reports(entry: Entry, event: EntryEvent) -> None:
    Report.objects.filter(entry=entry, resolved_at__isnull=True).update(
        resolved_at=event.created_at, resolved_by=event
    )
    Entry.objects.filter(pk=entry.pk).update(report_count=0, report_burst_at=None)


# --- Single decisions -----------------------------------------------------------------


@transaction.atomic
def entry_approve(*, entry_id: int, actor, note: str = "") -> Entry:
    """Approve an entry waiting for review; the participant gets an email, and so
    does the guardian who agreed to it (once: only a pending entry is approved)."""
    _require_moderator(actor)
    entry_lock_unclaimed(entry_id=entry_id, actor=actor)
    entry = entry_transition(
        entry_id=entry_id,
        to_state=S.APPROVED,
        actor=actor,
        reason="",
        note=note,
        expected_from={S.PENDING_REVIEW},
    )
    entry_claim_clear(entry_id=entry.pk)
    _schedule_notice(_latest_event(entry), ModerationNotice.Kind.APPROVED)
    guardian_published_notice(entry=entry, countdown=notice_delay())
    transaction.on_commit(gallery_changed)
    return entry


REJECTABLE = {S.PENDING_REVIEW, S.APPROVED, S.HIDDEN}


@transaction.atomic
def entry_reject(
    *,
    entry_id: int,
    actor,
    reason: str,
    note: str = "",
    expected_from: set[str] | None = None,
) -> Entry:
    """Refuse a pending entry, or remove an approved or hidden one, with a reason
    the participant is told (the note stays internal).

    `expected_from` is the state the moderator saw: rejecting from the queue must
    not turn into removing an entry another moderator approved a second earlier.
    """
    _require_moderator(actor)
    if reason not in RejectReason.values:
        raise ValueError(_("Choose a reason."))
    entry_lock_unclaimed(entry_id=entry_id, actor=actor)
    entry = entry_transition(
        entry_id=entry_id,
        to_state=S.REJECTED,
        actor=actor,
        reason=reason,
        note=note,
        expected_from=REJECTABLE & set(expected_from or REJECTABLE),
    )
    entry_claim_clear(entry_id=entry.pk)
    event = _latest_event(entry)
    _resolve_reports(entry, event)
    _schedule_notice(event, ModerationNotice.Kind.REJECTED)
    transaction.on_commit(gallery_changed)
    return entry


@transaction.atomic
def entry_hide(*, entry_id: int, actor, reason: str = "", note: str = "") -> Entry:
    """Take an approved entry out of the gallery until a moderator decides."""
    _require_moderator(actor)
    entry_lock_unclaimed(entry_id=entry_id, actor=actor)
    entry = entry_transition(
        entry_id=entry_id,
        to_state=S.HIDDEN,
        actor=actor,
        reason=reason or "moderator",
        note=note,
        expected_from={S.APPROVED},
    )
    transaction.on_commit(gallery_changed)
    return entry


@transaction.atomic
def entry_restore(*, entry_id: int, actor, note: str = "") -> Entry:
    """Put a hidden entry back in the gallery; its open reports are resolved."""
    _require_moderator(actor)
    entry_lock_unclaimed(entry_id=entry_id, actor=actor)
    entry = entry_transition(
        entry_id=entry_id,
        to_state=S.APPROVED,
        actor=actor,
        reason="restored",
        note=note,
        expected_from={S.HIDDEN},
    )
    entry_claim_clear(entry_id=entry.pk)
    _resolve_reports(entry, _latest_event(entry))
    transaction.on_commit(gallery_changed)
    return entry


# --- Bulk decisions -------------------------------------------------------------------


@dataclass
class BulkResult:
    applied: list[int]
    skipped: list[int]
    # Entries whose caption hit a "hold" phrase: never approved in bulk.
    held: list[int] = field(default_factory=list)
    # Entries another moderator holds in the review desk: left to them.
    claimed: list[int] = field(default_factory=list)


DECISIONS = {
    "approve": entry_approve,
    "reject": entry_reject,
    "hide": entry_hide,
    "restore": entry_restore,
}


def _needing_careful_review(entry_ids) -> set[int]:
    rows = Entry.objects.filter(pk__in=list(entry_ids)).values_list(
        "pk", "watched_hits"
    )
    return {pk for pk, hits in rows if needs_careful_review(hits)}


def entries_decide(
    *,
    entry_ids,
    decision: str,
    actor,
    reason: str = "",
    note: str = "",
    seen_states: dict[int, str] | None = None,
) -> BulkResult:
    """Apply one decision to many entries, each through the single-entry service.

    Entries no longer in a state that allows the decision, or no longer in the
    state the moderator saw (`seen_states`, for rejections), are skipped, not
    failed; entries another moderator holds in the review desk are left to them
    (`claimed`). Entries held for careful review (a "hold" watched phrase) are never
    approved in bulk: a moderator approves them one at a time. One transaction for
    the lot: the emails are enqueued once it commits, never inside it.
    """
    _require_moderator(actor)
    service = DECISIONS[decision]
    kwargs = {"actor": actor, "note": note}
    if decision in ("reject", "hide"):
        kwargs["reason"] = reason
    entry_ids = sorted(set(entry_ids))
    careful = _needing_careful_review(entry_ids) if decision == "approve" else set()
    result = BulkResult(applied=[], skipped=[])
    with transaction.atomic():
        for entry_id in entry_ids:
            if entry_id in careful:
                result.held.append(entry_id)
                continue
            if decision == "reject" and seen_states is not None:
                kwargs["expected_from"] = {seen_states.get(entry_id, "")}
            try:
                with transaction.atomic():
                    service(entry_id=entry_id, **kwargs)
            except EntryClaimed:
                result.claimed.append(entry_id)
            except (TransitionNotAllowed, Entry.DoesNotExist):
                result.skipped.append(entry_id)
            else:
                result.applied.append(entry_id)
    return result


# --- Reports ----------------------------------------------------------------------------


class ReportRefused(Exception):
    """The entry cannot be reported (not public) or was already reported by this
    visitor."""


def reporter_key_for(request) -> str | None:
    """ "u:<id>" for an account, "s:<hash>" for a visitor with a session, else None."""
    if request.user.is_authenticated:
        return f"u:{request.user.pk}"
    session_key = request.session.session_key
    if not session_key:
        return None
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{session_key}".encode()).hexdigest()
    return f"s:{digest[:40]}"


NO_WEIGHT = Decimal("0")
NEW_ACCOUNT_WEIGHT = Decimal("0.5")
FULL_WEIGHT = Decimal("1")


def report_weight(user) -> Decimal:
    """What one report counts toward hiding an entry.

    Nothing for an anonymous visitor or an account without a verified address (a
    script makes those for free: their reports reach the moderators but never hide
    anything); a half for an account younger than MODERATION_NEW_ACCOUNT_DAYS; else 1.
    """
    if user is None or not user.is_authenticated:
        return NO_WEIGHT
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        return NO_WEIGHT
    young_after = timezone.now() - timedelta(days=settings.MODERATION_NEW_ACCOUNT_DAYS)
    if user.date_joined > young_after:
        return NEW_ACCOUNT_WEIGHT
    return FULL_WEIGHT


@transaction.atomic
def report_create(
    *, entry_id: int, reporter_key: str, user=None, reason: str, text: str = ""
) -> Report:
    """Record a report; every report reaches the moderators (the entry's count and
    badge, the reports list).

    The entry leaves the gallery at once (hidden, actor None, reason "reports"),
    until a moderator restores or removes it, when the weights of its open reports
    (see report_weight) reach settings.MODERATION_HIDE_AT_REPORTS. A burst of reports
    (see _report_burst_check) is flagged and the moderators alerted.

    Runs under the entry's row lock: reports arriving together are counted one after
    the other, so the entry is hidden once and a burst alerted once.
    """
    if reason not in ReportReason.values:
        raise ValueError(_("Choose a reason."))
    entry = Entry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None or not public_entries().filter(pk=entry.pk).exists():
        raise ReportRefused(_("This entry cannot be reported."))
    account = user if user is not None and user.is_authenticated else None
    try:
        with transaction.atomic():
            report = Report.objects.create(
                entry=entry,
                reporter_key=reporter_key,
                user=account,
                reason=reason,
                text=text.strip()[:1000],
                weight=report_weight(account),
            )
    except IntegrityError as error:
        raise ReportRefused(_("You have already reported this entry.")) from error
    Entry.objects.filter(pk=entry.pk).update(report_count=F("report_count") + 1)
    open_reports = Report.objects.filter(entry=entry, resolved_at__isnull=True)
    weight = open_reports.aggregate(total=Sum("weight"))["total"] or NO_WEIGHT
    _report_burst_check(entry=entry, open_reports=open_reports)
    if weight >= settings.MODERATION_HIDE_AT_REPORTS:
        entry_transition(
            entry_id=entry.pk,
            to_state=S.HIDDEN,
            actor=None,
            reason="reports",
            expected_from={S.APPROVED},
        )
        transaction.on_commit(gallery_changed)
    return report


def _report_burst_check(*, entry: Entry, open_reports) -> None:
    """MODERATION_BURST_REPORTS open reports or more within MODERATION_BURST_MINUTES,
    anonymous ones included: flag the entry and alert the moderators, once per burst
    (a new alert only once the flagged burst is older than the window, or a moderator
    has decided). The caller holds the entry's row lock."""
    now = timezone.now()
    window = timedelta(minutes=settings.MODERATION_BURST_MINUTES)
    recent = open_reports.filter(created_at__gte=now - window).count()
    if recent < settings.MODERATION_BURST_REPORTS:
        return
    if entry.report_burst_at is not None and entry.report_burst_at >= now - window:
        return
    Entry.objects.filter(pk=entry.pk).update(report_burst_at=now)
    enqueue_on_commit(jobs.SEND_REPORT_BURST_ALERT, entry.pk)


def report_alert_recipients() -> list[str]:
    """MODERATION_ALERT_EMAILS and the active members of the Moderators group."""
    addresses = list(settings.MODERATION_ALERT_EMAILS)
    addresses += (
        get_user_model()
        .objects.filter(is_active=True, groups__name="Moderators")
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys(address.strip() for address in addresses if address))


def report_burst_alert_send(*, entry_id: int) -> bool:
    """Mail the moderators about the entry's current burst of reports, at most once.

    Idempotent: the alert is claimed with a conditional UPDATE (sent after the burst
    was flagged? then it is done); a mail failure releases the claim and raises, for
    the task to retry. Returns whether this call sent it.
    """
    now = timezone.now()
    claimed = (
        Entry.objects.filter(pk=entry_id, report_burst_at__isnull=False)
        .filter(
            Q(report_alert_sent_at__isnull=True)
            | Q(report_alert_sent_at__lt=F("report_burst_at"))
        )
        .update(report_alert_sent_at=now)
    )
    if not claimed:
        return False
    recipients = report_alert_recipients()
    if not recipients:
        log.warning("burst of reports on entry %s: no moderator to alert", entry_id)
        return False
    entry = Entry.objects.select_related("participant").get(pk=entry_id)
    try:
        report_burst_message(entry=entry, recipients=recipients).send()
    except (SMTPException, OSError):
        Entry.objects.filter(pk=entry_id, report_alert_sent_at=now).update(
            report_alert_sent_at=None
        )
        raise
    return True


# --- Notices ----------------------------------------------------------------------------


def notice_send(*, notice_id: int) -> None:
    """Email the participant about one decision, at most once.

    Idempotent: the notice is claimed with a conditional UPDATE and stamped sent_at
    after the mail server accepted it; a retried or duplicate task finds it taken.
    A mail failure releases the claim and raises, for the task to retry.
    """

    def build(notice):
        if EntryEvent.objects.filter(undoes=notice.event_id).exists():
            return "decision undone"
        if not notice.event.entry.participant.user.email:
            return "no email address"
        return moderation_notice_message(notice=notice)

    notice_deliver(
        model=ModerationNotice,
        notice_id=notice_id,
        load=lambda pk: ModerationNotice.objects.select_related(
            "event__entry__participant__user"
        ).get(pk=pk),
        build=build,
    )


# --- Undo -------------------------------------------------------------------------------


class UndoNotPossible(Exception):
    """Nothing of this moderator's can be undone (too late, or already changed)."""


def last_undoable_decision(*, actor, now=None) -> EntryEvent | None:
    """The actor's latest event, if it is a decision still inside the undo window
    and not undone yet (an undo itself is not undone: decide again instead)."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.MODERATION_UNDO_SECONDS)
    event = (
        EntryEvent.objects.filter(actor=actor, created_at__gte=since)
        .order_by("-id")
        .first()
    )
    if (
        event is None
        or event.undoes_id is not None
        or (event.from_state, event.to_state) not in UNDOABLE
        or EntryEvent.objects.filter(undoes=event).exists()
    ):
        return None
    return event


@transaction.atomic
def entry_decision_undo(*, actor, event_id: int | None = None) -> Entry:
    """Take back the actor's last decision, within MODERATION_UNDO_SECONDS.

    A new transition back to the state before the decision, recorded with `undoes`
    (history is never edited). The participant's email for the undone decision is
    closed unsent ("decision undone"; it waits for the window, see notice_delay),
    the guardian's unsent "published" mail is dropped (a later approval makes a new
    one), reports the decision had resolved are open again, and the entry, back in
    the queue, is claimed by the actor who is looking at it.

    `event_id`, when given, must be that last decision (a stale undo button).
    """
    _require_moderator(actor)
    event = last_undoable_decision(actor=actor)
    if event is None or (event_id is not None and event.pk != event_id):
        raise UndoNotPossible(_("There is no decision of yours left to undo."))
    entry_lock_unclaimed(entry_id=event.entry_id, actor=actor)
    try:
        entry = entry_transition(
            entry_id=event.entry_id,
            to_state=event.from_state,
            actor=actor,
            reason="undo",
            undoes=event,
        )
    except TransitionNotAllowed as error:
        raise UndoNotPossible(str(error)) from error
    now = timezone.now()
    ModerationNotice.objects.filter(
        event=event, sent_at__isnull=True, claimed_at__isnull=True
    ).update(sent_at=now, last_error="decision undone")
    if event.to_state == S.APPROVED:
        GuardianNotice.objects.filter(
            consent__entry=entry,
            kind=GuardianNotice.Kind.PUBLISHED,
            sent_at__isnull=True,
            claimed_at__isnull=True,
        ).delete()
    if Report.objects.filter(resolved_by=event).update(
        resolved_at=None, resolved_by=None
    ):
        Entry.objects.filter(pk=entry.pk).update(
            report_count=Report.objects.filter(
                entry=entry, resolved_at__isnull=True
            ).count()
        )
    if entry.state in DESK_STATES:
        entry_claim(entry_id=entry.pk, moderator=actor)
    transaction.on_commit(gallery_changed)
    entry.refresh_from_db()
    return entry
