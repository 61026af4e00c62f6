"""Writes a visitor makes in the gallery: hearts (reports are moderation's)."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ..models import Entry, Heart
from ..selectors.gallery import gallery_grew, public_entries
from ..selectors.notes import is_blocked


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
        owner_id = (
            public_entries()
            .filter(pk=entry_id)
            .values_list("participant_id", flat=True)
            .first()
        )
        if owner_id is None:
            raise HeartRefused(_("This entry is not in the gallery."))
        deleted, _rows = Heart.objects.filter(entry_id=entry_id, user=user).delete()
        if not deleted and is_blocked(owner_id=owner_id, user=user):
            # The owner blocked this account (kind notes); taking a heart back is
            # still allowed. The message does not say why.
            raise HeartRefused(_("Hearts are closed on this entry."))
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
        transaction.on_commit(gallery_grew)
    return hearted, count
