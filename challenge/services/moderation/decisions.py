"""Decisions on entries: approve, reject, hide, restore, one at a time or in bulk, and
the participant's notice of each.

Every decision goes through `challenge.states.entry_transition` with the states the
decision may start from (`expected_from`), under the entry's row lock: two moderators
deciding the same entry at once get one decision and one refusal, never two. Side
effects (the participant's email, the gallery cache) run after commit; the
participant's email waits until the undo window (MODERATION_UNDO_SECONDS) is over, and
is not sent for a decision that was undone (see `undo`).

A decision on an entry another moderator holds in the review desk is refused
(claims.EntryClaimed), checked under the same row lock.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core.jobs import enqueue_on_commit
from videos.services import video_top_recheck, video_top_request

from ... import jobs
from ...emails import moderation_notice_message
from ...models import Entry, EntryEvent, ModerationNotice, RejectReason, Report
from ...nudge import needs_careful_review
from ...selectors.gallery import gallery_changed_on_commit, gallery_grew
from ...selectors.guardian import entries_with_flagged_consent
from ...states import TransitionNotAllowed, entry_transition
from ..claims import (
    EntryClaimed,
    can_moderate,
    entry_claim_clear,
    entry_lock_unclaimed,
)
from ..guardian import guardian_published_notice
from ..notices import notice_deliver

# The participant's email leaves a little after the undo window closes.
NOTICE_MARGIN_SECONDS = 5


def notice_delay() -> int:
    return settings.MODERATION_UNDO_SECONDS + NOTICE_MARGIN_SECONDS


def require_moderator(actor) -> None:
    if not can_moderate(actor):
        raise PermissionDenied(_("Only moderators can decide on entries."))


def _latest_event(entry: Entry) -> EntryEvent:
    return EntryEvent.objects.filter(entry=entry).order_by("-id").first()


def _schedule_notice(event: EntryEvent, kind: str) -> None:
    notice = ModerationNotice.objects.create(event=event, kind=kind)
    enqueue_on_commit(jobs.MODERATION_NOTICE_SEND, notice.pk, countdown=notice_delay())


def video_follow_decision(entry: Entry) -> None:
    """The video's top rung follows the decision (docs/decisions.md, "A review copy
    first"): made now for an entry that is public or hidden, and for a rejected one
    asked again once the rejection can no longer be undone, when the pipeline
    releases its original (videos.owners.video_top_rung)."""
    if entry.state in (Entry.State.APPROVED, Entry.State.HIDDEN):
        video_top_request(video_id=entry.video_id)
    elif entry.state == Entry.State.REJECTED:
        video_top_recheck(video_id=entry.video_id, countdown=notice_delay())


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
    require_moderator(actor)
    entry_lock_unclaimed(entry_id=entry_id, actor=actor)
    entry = entry_transition(
        entry_id=entry_id,
        to_state=Entry.State.APPROVED,
        actor=actor,
        reason="",
        note=note,
        expected_from={Entry.State.PENDING_REVIEW},
    )
    entry_claim_clear(entry_id=entry.pk)
    video_follow_decision(entry)
    _schedule_notice(_latest_event(entry), ModerationNotice.Kind.APPROVED)
    guardian_published_notice(entry=entry, countdown=notice_delay())
    transaction.on_commit(gallery_grew)
    return entry


REJECTABLE = {Entry.State.PENDING_REVIEW, Entry.State.APPROVED, Entry.State.HIDDEN}


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
    require_moderator(actor)
    if reason not in RejectReason.values:
        raise ValueError(_("Choose a reason."))
    entry_lock_unclaimed(entry_id=entry_id, actor=actor)
    entry = entry_transition(
        entry_id=entry_id,
        to_state=Entry.State.REJECTED,
        actor=actor,
        reason=reason,
        note=note,
        expected_from=REJECTABLE & set(expected_from or REJECTABLE),
    )
    entry_claim_clear(entry_id=entry.pk)
    video_follow_decision(entry)
    event = _latest_event(entry)
    _resolve_reports(entry, event)
    _schedule_notice(event, ModerationNotice.Kind.REJECTED)
    gallery_changed_on_commit([entry.pk])
    return entry


@transaction.atomic
def entry_hide(*, entry_id: int, actor, reason: str = "", note: str = "") -> Entry:
    """Take an approved entry out of the gallery until a moderator decides."""
    require_moderator(actor)
    entry_lock_unclaimed(entry_id=entry_id, actor=actor)
    entry = entry_transition(
        entry_id=entry_id,
        to_state=Entry.State.HIDDEN,
        actor=actor,
        reason=reason or "moderator",
        note=note,
        expected_from={Entry.State.APPROVED},
    )
    gallery_changed_on_commit([entry.pk])
    return entry


@transaction.atomic
def entry_restore(*, entry_id: int, actor, note: str = "") -> Entry:
    """Put a hidden entry back in the gallery; its open reports are resolved."""
    require_moderator(actor)
    entry_lock_unclaimed(entry_id=entry_id, actor=actor)
    entry = entry_transition(
        entry_id=entry_id,
        to_state=Entry.State.APPROVED,
        actor=actor,
        reason="restored",
        note=note,
        expected_from={Entry.State.HIDDEN},
    )
    entry_claim_clear(entry_id=entry.pk)
    video_follow_decision(entry)
    _resolve_reports(entry, _latest_event(entry))
    transaction.on_commit(gallery_grew)
    return entry


DECISIONS = {
    "approve": entry_approve,
    "reject": entry_reject,
    "hide": entry_hide,
    "restore": entry_restore,
}


def entry_decide(
    *,
    entry_id: int,
    decision: str,
    actor,
    reason: str = "",
    note: str = "",
    seen_state: str = "",
) -> str:
    """Apply one moderator's decision as the review page and the desk post it (their
    DecisionForm); returns the decision applied ("approve" on an entry seen hidden
    is "restore").

    A decision applies only from the state the moderator saw (`seen_state`; a form
    without one counts as having seen an entry waiting for review). So "approve" on
    an entry seen hidden after reports puts it back (the desk's A key), while
    "approve" on an entry seen waiting, hidden since (a colleague approved it and
    reports hid it), is refused like any decision overtaken by another
    (TransitionNotAllowed): restoring it would put back an entry whose reports the
    moderator never saw. A rejection likewise never removes an entry that left the
    state the moderator saw.
    """
    seen_state = seen_state or Entry.State.PENDING_REVIEW
    if decision == "approve" and seen_state == Entry.State.HIDDEN:
        decision = "restore"
    kwargs = {"entry_id": entry_id, "actor": actor, "note": note}
    if decision in ("reject", "hide"):
        kwargs["reason"] = reason
    if decision == "reject":
        kwargs["expected_from"] = {seen_state}
    DECISIONS[decision](**kwargs)
    return decision


# --- Bulk decisions -------------------------------------------------------------------


@dataclass
class BulkResult:
    applied: list[int]
    skipped: list[int]
    # Entries whose caption hit a "hold" phrase: never approved in bulk.
    held: list[int] = field(default_factory=list)
    # Entries another moderator holds in the review desk: left to them.
    claimed: list[int] = field(default_factory=list)
    # Entries whose guardian consent is flagged (selectors.guardian.consent_flags):
    # never approved in bulk either.
    consent_flagged: list[int] = field(default_factory=list)


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
    (`claimed`). Entries held for careful review (a "hold" watched phrase) and
    entries whose guardian consent is flagged (the participant's browser tried to
    answer, the answer came from their network or within seconds) are never
    approved in bulk: a moderator approves them one at a time. One transaction for
    the lot: the emails are enqueued once it commits, never inside it.
    """
    require_moderator(actor)
    service = DECISIONS[decision]
    kwargs = {"actor": actor, "note": note}
    if decision in ("reject", "hide"):
        kwargs["reason"] = reason
    entry_ids = sorted(set(entry_ids))
    careful = _needing_careful_review(entry_ids) if decision == "approve" else set()
    flagged = (
        entries_with_flagged_consent(entry_ids) if decision == "approve" else set()
    )
    result = BulkResult(applied=[], skipped=[])
    with transaction.atomic():
        for entry_id in entry_ids:
            if entry_id in careful:
                result.held.append(entry_id)
                continue
            if entry_id in flagged:
                result.consent_flagged.append(entry_id)
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
