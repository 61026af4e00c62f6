"""Reports from visitors on live entries: who reported (one report each), what a
report weighs toward hiding the entry, and bursts of reports with the moderators'
alert. A moderator's decision resolves the open reports (see `decisions`).
"""

import hashlib
import logging
from datetime import datetime, timedelta
from decimal import Decimal
from smtplib import SMTPException

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs import enqueue_on_commit

from ... import jobs
from ...emails import report_burst_message
from ...models import Entry, Report, ReportReason
from ...selectors.gallery import gallery_changed_on_commit, public_entries
from ...states import entry_transition

log = logging.getLogger(__name__)


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
            to_state=Entry.State.HIDDEN,
            actor=None,
            reason="reports",
            expected_from={Entry.State.APPROVED},
        )
        gallery_changed_on_commit([entry.pk])
    return report


def _report_burst_check(*, entry: Entry, open_reports) -> None:
    """A burst (see burst_begins) on the entry: flag it and alert the moderators.
    The caller holds the entry's row lock."""
    if not burst_begins(open_reports=open_reports, flagged_at=entry.report_burst_at):
        return
    Entry.objects.filter(pk=entry.pk).update(report_burst_at=timezone.now())
    enqueue_on_commit(jobs.SEND_REPORT_BURST_ALERT, entry.pk)


def burst_begins(*, open_reports, flagged_at, one_network: bool = False) -> bool:
    """Whether these open reports (of one entry or one note) make a new burst:
    MODERATION_BURST_REPORTS or more within MODERATION_BURST_MINUTES, anonymous ones
    included, or, with `one_network` (reports that record the reporter's network),
    MODERATION_BURST_ONE_NETWORK of them from new or unverified accounts (weight
    below 1) on one network, the shape of a few children making accounts together
    to have someone's note taken down. Once per burst: not while the flagged one
    (`flagged_at`) is younger than the window."""
    now = timezone.now()
    window = timedelta(minutes=settings.MODERATION_BURST_MINUTES)
    if flagged_at is not None and flagged_at >= now - window:
        return False
    recent = open_reports.filter(created_at__gte=now - window)
    if recent.count() >= settings.MODERATION_BURST_REPORTS:
        return True
    return (
        one_network
        and most_from_one_network(recent) >= settings.MODERATION_BURST_ONE_NETWORK
    )


def most_from_one_network(reports) -> int:
    """The largest number of these reports (with a `network_hash`) sent by new or
    unverified accounts (weight below 1) from one network."""
    counts = (
        reports.filter(weight__lt=FULL_WEIGHT)
        .exclude(network_hash="")
        .values("network_hash")
        .annotate(reports=Count("pk"))
        .order_by("-reports")
        .values_list("reports", flat=True)
    )
    return counts.first() or 0


def burst_alert_claim(queryset) -> datetime | None:
    """Claim the moderators' alert for the row in `queryset` (an entry or a note with
    `report_burst_at` and `report_alert_sent_at`): a conditional UPDATE, so it is
    sent once per burst however many workers try. The time of the claim, or None
    when there is no burst or its alert is already claimed."""
    now = timezone.now()
    claimed = (
        queryset.filter(report_burst_at__isnull=False)
        .filter(
            Q(report_alert_sent_at__isnull=True)
            | Q(report_alert_sent_at__lt=F("report_burst_at"))
        )
        .update(report_alert_sent_at=now)
    )
    return now if claimed else None


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

    Idempotent (see burst_alert_claim); a mail failure releases the claim and
    raises, for the task to retry. Returns whether this call sent it.
    """
    claimed = burst_alert_claim(Entry.objects.filter(pk=entry_id))
    if claimed is None:
        return False
    recipients = report_alert_recipients()
    if not recipients:
        log.warning("burst of reports on entry %s: no moderator to alert", entry_id)
        return False
    entry = Entry.objects.select_related("participant").get(pk=entry_id)
    try:
        report_burst_message(entry=entry, recipients=recipients).send()
    except (SMTPException, OSError):
        Entry.objects.filter(pk=entry_id, report_alert_sent_at=claimed).update(
            report_alert_sent_at=None
        )
        raise
    return True
