"""Moderation services: decisions on entries, reports from visitors, hearts.

Every decision goes through `challenge.states.entry_transition` with the states the
decision may start from (`expected_from`), under the entry's row lock: two moderators
deciding the same entry at once get one decision and one refusal, never two. Side
effects (the participant's email, the gallery cache) run after commit.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .gallery import gallery_changed
from .models import (
    Entry,
    EntryEvent,
    Heart,
    ModerationNotice,
    RejectReason,
    Report,
    ReportReason,
)
from .states import TransitionNotAllowed, entry_transition

S = Entry.State
MODERATE_PERMISSION = "challenge.moderate_entry"


def can_moderate(user) -> bool:
    return bool(
        user and user.is_active and user.is_staff and user.has_perm(MODERATE_PERMISSION)
    )


def _require_moderator(actor) -> None:
    if not can_moderate(actor):
        raise PermissionDenied(_("Only moderators can decide on entries."))


def _latest_event(entry: Entry) -> EntryEvent:
    return EntryEvent.objects.filter(entry=entry).order_by("-id").first()


def _schedule_notice(event: EntryEvent, kind: str) -> None:
    notice = ModerationNotice.objects.create(event=event, kind=kind)

    def enqueue():
        from .moderation_tasks import moderation_notice_send

        moderation_notice_send.delay(notice.pk)

    transaction.on_commit(enqueue)


def _resolve_reports(entry: Entry, event: EntryEvent) -> None:
    Report.objects.filter(entry=entry, resolved_at__isnull=True).update(
        resolved_at=event.created_at, resolved_by=event
    )
    Entry.objects.filter(pk=entry.pk).update(report_count=0)


# --- Single decisions -----------------------------------------------------------------


@transaction.atomic
def entry_approve(*, entry_id: int, actor, note: str = "") -> Entry:
    """Approve an entry waiting for review; the participant gets an email."""
    _require_moderator(actor)
    entry = entry_transition(
        entry_id=entry_id,
        to_state=S.APPROVED,
        actor=actor,
        reason="",
        note=note,
        expected_from={S.PENDING_REVIEW},
    )
    _schedule_notice(_latest_event(entry), ModerationNotice.Kind.APPROVED)
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
    entry = entry_transition(
        entry_id=entry_id,
        to_state=S.REJECTED,
        actor=actor,
        reason=reason,
        note=note,
        expected_from=REJECTABLE & set(expected_from or REJECTABLE),
    )
    event = _latest_event(entry)
    _resolve_reports(entry, event)
    _schedule_notice(event, ModerationNotice.Kind.REJECTED)
    transaction.on_commit(gallery_changed)
    return entry


@transaction.atomic
def entry_hide(*, entry_id: int, actor, reason: str = "", note: str = "") -> Entry:
    """Take an approved entry out of the gallery until a moderator decides."""
    _require_moderator(actor)
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
    entry = entry_transition(
        entry_id=entry_id,
        to_state=S.APPROVED,
        actor=actor,
        reason="restored",
        note=note,
        expected_from={S.HIDDEN},
    )
    _resolve_reports(entry, _latest_event(entry))
    transaction.on_commit(gallery_changed)
    return entry


# --- Bulk decisions -------------------------------------------------------------------


@dataclass
class BulkResult:
    applied: list[int]
    skipped: list[int]


DECISIONS = {
    "approve": entry_approve,
    "reject": entry_reject,
    "hide": entry_hide,
    "restore": entry_restore,
}


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
    failed. One transaction for the lot: the emails are enqueued once it commits,
    never inside it.
    """
    _require_moderator(actor)
    service = DECISIONS[decision]
    kwargs = {"actor": actor, "note": note}
    if decision in ("reject", "hide"):
        kwargs["reason"] = reason
    applied, skipped = [], []
    with transaction.atomic():
        for entry_id in sorted(set(entry_ids)):
            if decision == "reject" and seen_states is not None:
                kwargs["expected_from"] = {seen_states.get(entry_id, "")}
            try:
                with transaction.atomic():
                    service(entry_id=entry_id, **kwargs)
            except (TransitionNotAllowed, Entry.DoesNotExist):
                skipped.append(entry_id)
            else:
                applied.append(entry_id)
    return BulkResult(applied=applied, skipped=skipped)


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


@transaction.atomic
def report_create(
    *, entry_id: int, reporter_key: str, user=None, reason: str, text: str = ""
) -> Report:
    """Record a report. At settings.MODERATION_HIDE_AT_REPORTS open reports the entry
    leaves the gallery at once (hidden, actor None, reason "reports") until a
    moderator restores or removes it."""
    if reason not in ReportReason.values:
        raise ValueError(_("Choose a reason."))
    entry = Entry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None or entry.state != S.APPROVED:
        raise ReportRefused(_("This entry cannot be reported."))
    try:
        with transaction.atomic():
            report = Report.objects.create(
                entry=entry,
                reporter_key=reporter_key,
                user=user if user is not None and user.is_authenticated else None,
                reason=reason,
                text=text.strip()[:1000],
            )
    except IntegrityError as error:
        raise ReportRefused(_("You have already reported this entry.")) from error
    Entry.objects.filter(pk=entry.pk).update(report_count=F("report_count") + 1)
    entry.refresh_from_db(fields=["report_count"])
    if entry.report_count >= getattr(settings, "MODERATION_HIDE_AT_REPORTS", 3):
        entry_transition(
            entry_id=entry.pk,
            to_state=S.HIDDEN,
            actor=None,
            reason="reports",
            expected_from={S.APPROVED},
        )
        transaction.on_commit(gallery_changed)
    return report


# --- Hearts ------------------------------------------------------------------------------


class HeartRefused(Exception):
    pass


def heart_toggle(*, entry_id: int, user) -> tuple[bool, int]:
    """Heart or un-heart a public entry; returns (hearted, heart count).

    Race-safe without a lock on the entry: the count moves only by a row this call
    actually inserted or deleted (F() expressions in the same transaction), and the
    unique (entry, user) constraint settles two inserts at once.
    """
    if not user.is_authenticated:
        raise HeartRefused(_("Log in to give hearts."))
    with transaction.atomic():
        if not Entry.objects.filter(pk=entry_id, state=S.APPROVED).exists():
            raise HeartRefused(_("This entry is not in the gallery."))
        deleted, _rows = Heart.objects.filter(entry_id=entry_id, user=user).delete()
        if deleted:
            hearted = False
            Entry.objects.filter(pk=entry_id).update(heart_count=F("heart_count") - 1)
        else:
            hearted = True
            try:
                with transaction.atomic():
                    Heart.objects.create(entry_id=entry_id, user=user)
            except IntegrityError:
                pass  # the same person's other request hearted it a moment ago
            else:
                Entry.objects.filter(pk=entry_id).update(
                    heart_count=F("heart_count") + 1
                )
        count = Entry.objects.values_list("heart_count", flat=True).get(pk=entry_id)
        transaction.on_commit(gallery_changed)
    return hearted, count


def notice_mark_sent(*, notice_id: int) -> None:
    ModerationNotice.objects.filter(pk=notice_id).update(sent_at=timezone.now())
