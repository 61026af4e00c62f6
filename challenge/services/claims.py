"""Claims of the review desk: which moderator is looking at which entry.

Opening an entry in the desk claims it for settings.MODERATION_CLAIM_SECONDS; other
moderators are given the next unclaimed one, and their decisions on it (desk, review
page, bulk actions) are refused while the claim lasts. A claim expires by itself: no
sweep is needed, an expired claim is simply free. A moderator holds one claim at a
time.

A claim is taken with a conditional UPDATE (free, or expired, or already mine, and
still waiting for a decision): two moderators asking at once get two different
entries, never the same one. Decisions check the claim under the entry's row lock
(`entry_lock_unclaimed`), so a claim and a decision never cross.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from core.accounts import person_label

from ..models import Entry
from ..selectors.desk import DESK_STATES, free_for, review_queue_for

MODERATE_PERMISSION = "challenge.moderate_entry"


def can_moderate(user) -> bool:
    return bool(
        user and user.is_active and user.is_staff and user.has_perm(MODERATE_PERMISSION)
    )


class EntryClaimed(Exception):
    """Another moderator holds the entry in the desk; nothing was changed."""

    def __init__(self, entry: Entry):
        self.entry = entry
        holder = person_label(entry.claimed_by) if entry.claimed_by else "?"
        super().__init__(
            _(
                "Nothing changed: %(holder)s is reviewing entry %(id)s in the desk "
                "(until %(time)s)."
            )
            % {
                "holder": holder,
                "id": entry.pk,
                "time": time_format(timezone.localtime(entry.claimed_until)),
            }
        )


def _take(*, entry_id: int, moderator, now) -> bool:
    until = now + timedelta(seconds=settings.MODERATION_CLAIM_SECONDS)
    with transaction.atomic():
        taken = (
            Entry.objects.filter(pk=entry_id, state__in=DESK_STATES)
            .filter(free_for(moderator, now))
            .update(claimed_by=moderator, claimed_until=until)
        )
        if taken:
            Entry.objects.filter(claimed_by=moderator).exclude(pk=entry_id).update(
                claimed_by=None, claimed_until=None
            )
    return bool(taken)


def entry_claim(*, entry_id: int, moderator) -> bool:
    """Claim this entry (or renew my claim). False when another moderator holds it
    or it no longer waits for a decision."""
    if not can_moderate(moderator):
        return False
    return _take(entry_id=entry_id, moderator=moderator, now=timezone.now())


def entry_claim_next(*, moderator, exclude=(), rounds: int = 5) -> Entry | None:
    """Claim the first unclaimed entry of the desk's queue (priority order), leaving
    out `exclude` (entries this moderator skipped). None when nothing is left.

    Candidates are read without locks, then each is taken by a conditional UPDATE;
    one lost to another moderator is simply passed over.
    """
    if not can_moderate(moderator):
        return None
    for _round in range(rounds):
        now = timezone.now()
        candidates = list(
            review_queue_for(moderator=moderator, exclude=exclude, now=now).values_list(
                "pk", flat=True
            )[:8]
        )
        if not candidates:
            return None
        for entry_id in candidates:
            if _take(entry_id=entry_id, moderator=moderator, now=now):
                return Entry.objects.get(pk=entry_id)
    return None


def entry_claim_release(*, entry_id: int, moderator) -> None:
    """Give the entry back to the queue (skip, or leaving the desk)."""
    Entry.objects.filter(pk=entry_id, claimed_by=moderator).update(
        claimed_by=None, claimed_until=None
    )


def entry_lock_unclaimed(*, entry_id: int, actor) -> Entry:
    """Lock the entry's row for a decision; refuse (EntryClaimed) while another
    moderator's claim lasts. Call inside the decision's transaction."""
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("claimed_by")
        .get(pk=entry_id)
    )
    if (
        entry.claimed_by_id is not None
        and entry.claimed_by_id != getattr(actor, "pk", None)
        and entry.claimed_until is not None
        and entry.claimed_until > timezone.now()
    ):
        raise EntryClaimed(entry)
    return entry


def entry_claim_clear(*, entry_id: int) -> None:
    """A decided entry is nobody's claim any more (called by the decision)."""
    Entry.objects.filter(pk=entry_id, claimed_by__isnull=False).update(
        claimed_by=None, claimed_until=None
    )
