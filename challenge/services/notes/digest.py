"""The daily digest: at most one mail a day per owner about new notes from others,
with an unsubscribe link that works without logging in."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from ...emails import notes_digest_message
from ...models import Note, NoteDigest, NoteSettings, Participant
from ...selectors.notes import note_prefs
from ..notices import notice_deliver
from .common import settings_row_locked

UNSUBSCRIBE_SALT = "challenge.notes.unsubscribe"


def unsubscribe_token(participant: Participant) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(participant.pk))


def participant_from_unsubscribe_token(token: str) -> Participant | None:
    try:
        pk = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Participant.objects.filter(pk=pk).first()


@transaction.atomic
def notes_digest_unsubscribe(*, participant: Participant) -> None:
    row = settings_row_locked(participant)
    row.digest = False
    row.save(update_fields=["digest"])


def notes_digest_prepare(*, now=None) -> list[int]:
    """One NoteDigest per owner with new notes from others in the last day (and the
    digest on): at most one a day (unique per owner and day). Returns the ids to
    send."""
    now = now or timezone.now()
    since = now - timedelta(days=1)
    rows = (
        Note.objects.filter(
            state=Note.State.PUBLISHED, muted=False, created_at__gte=since
        )
        .exclude(author_id=F("entry__participant_id"))
        .values("entry__participant_id")
        .annotate(n=Count("pk"))
    )
    counts = {row["entry__participant_id"]: row["n"] for row in rows}
    owners = Participant.objects.filter(pk__in=counts).select_related("note_settings")
    ids = []
    for owner in owners:
        row = getattr(owner, "note_settings", None)
        if not note_prefs(owner, row or NoteSettings()).digest:
            continue
        digest, created = NoteDigest.objects.get_or_create(
            participant=owner,
            day=timezone.localdate(now),
            defaults={"count": counts[owner.pk]},
        )
        if created:
            ids.append(digest.pk)
    return ids


def note_digest_send(*, digest_id: int) -> None:
    def build(digest):
        participant = digest.participant
        if not participant.user.email:
            return "no email address"
        if not note_prefs(participant).digest:
            return "unsubscribed"
        link = settings.SITE_URL + reverse(
            "challenge:notes_unsubscribe",
            kwargs={"token": unsubscribe_token(participant)},
        )
        return notes_digest_message(digest=digest, unsubscribe_url=link)

    notice_deliver(
        model=NoteDigest,
        notice_id=digest_id,
        load=lambda pk: NoteDigest.objects.select_related("participant__user").get(
            pk=pk
        ),
        build=build,
    )
