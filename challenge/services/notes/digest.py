"""The daily digest: at most one mail a day per owner about new notes from others,
with an unsubscribe link that works without logging in."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from core.links import bound_token, bound_token_read

from ...emails import notes_digest_message
from ...errors import GuardianLinkError
from ...models import Note, NoteDigest, NoteSettings, Participant
from ...selectors.notes import note_prefs
from ..notices import notice_deliver
from .common import settings_row_locked

UNSUBSCRIBE_SALT = "challenge.notes.unsubscribe"


def _unsubscribe_state(participant: Participant, digest: bool | None) -> tuple:
    """What an unsubscribe link is issued for, hashed into it (core.links): this
    account, at the address the digest went to, with the digest on (None: the
    default for their age, True: chosen). A changed address or a digest switched
    off and on again kills the older links: a mail that reached an old address
    never changes the account's settings."""
    return (participant.user.email, digest)


def _digest_choice(participant: Participant) -> bool | None:
    return (
        NoteSettings.objects.filter(participant=participant)
        .values_list("digest", flat=True)
        .first()
    )


def unsubscribe_token(participant: Participant) -> str:
    state = _unsubscribe_state(participant, _digest_choice(participant))
    return bound_token(salt=UNSUBSCRIBE_SALT, pk=participant.pk, state=state)


def participant_from_unsubscribe_token(token: str) -> Participant:
    """The participant a live unsubscribe link names; GuardianLinkError "invalid"
    (not ours) or "stale" (another address, the digest switched off and on again
    since). Once the digest is off, the link that switched it off (or another one
    for the same address) only says so again: pressing it changes nothing."""
    try:
        link = bound_token_read(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as error:
        raise GuardianLinkError("invalid") from error
    participant = Participant.objects.select_related("user").filter(pk=link.pk).first()
    if participant is None:
        raise GuardianLinkError("invalid")
    digest = _digest_choice(participant)
    if link.issued_for(_unsubscribe_state(participant, digest)):
        return participant
    already_off = digest is False and any(
        link.issued_for(_unsubscribe_state(participant, on)) for on in (None, True)
    )
    if not already_off:
        raise GuardianLinkError("stale")
    return participant


@transaction.atomic
def notes_digest_unsubscribe(*, token: str) -> Participant:
    """Switch the digest off for the participant a live link names, the link
    checked again under the row lock (GuardianLinkError otherwise)."""
    participant = participant_from_unsubscribe_token(token)
    row = settings_row_locked(participant)
    participant_from_unsubscribe_token(token)
    row.digest = False
    row.save(update_fields=["digest"])
    return participant


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
