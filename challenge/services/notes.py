"""Kind notes: writing one (with "think before you post"), the owner's controls
(who may write, hidden words, removing, blocking), reports on notes, moderators'
decisions and the daily digest.

Every change of a note's state leaves an append-only NoteEvent (who, what, why,
when). A note shows only under a public entry, so its visibility follows the entry's;
the gallery's cached pages are invalidated on commit (`gallery_changed`) whenever
what an entry page shows may have changed.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs import enqueue_on_commit
from core.text import clean_text, has_control_characters, visible_length

from .. import jobs
from ..emails import notes_digest_message, notes_guardian_message
from ..errors import (
    ChallengeError,
    ConsentFromParticipant,
    GuardianIsParticipant,
    GuardianLinkError,
    NoteDuplicate,
    NoteGone,
    NoteInvalid,
    NotesClosed,
    NudgeAlreadyDecided,
)
from ..mailboxes import same_mailbox
from ..models import (
    Entry,
    Note,
    NoteBlock,
    NoteDigest,
    NoteEvent,
    NoteNudge,
    NoteReport,
    NoteSettings,
    Participant,
    ReportReason,
)
from ..nudge import caption_hits, needs_careful_review
from ..selectors.gallery import gallery_changed, public_entries
from ..selectors.notes import (
    note_prefs,
    note_write_refusal,
    owner_words_hit,
)
from ..selectors.participants import account_addresses
from .moderation.reports import NO_WEIGHT, report_weight
from .notices import notice_deliver

N = Note.State
E = NoteEvent.Action
MODERATE_NOTES = "challenge.moderate_note"
UNSUBSCRIBE_SALT = "challenge.notes.unsubscribe"
GUARDIAN_SALT = "challenge.notes.guardian"


def _changed() -> None:
    transaction.on_commit(gallery_changed)


# --- Writing --------------------------------------------------------------------------


def note_text_clean(text: str) -> str:
    """The note as stored, or NoteInvalid with the message to show: control
    characters refused (not silently dropped), length counted in visible
    characters."""
    if has_control_characters(text):
        raise NoteInvalid(
            _("Your note contains invisible control characters. Please type it again.")
        )
    cleaned = clean_text(text, multiline=True)
    if not cleaned:
        raise NoteInvalid(_("Write a few kind words first."))
    limit = settings.NOTES_MAX_LENGTH
    if visible_length(cleaned) > limit:
        raise NoteInvalid(
            _("A note can be at most %(limit)s characters long.") % {"limit": limit}
        )
    if len(cleaned) > Note._meta.get_field("text").max_length:
        raise NoteInvalid(
            _(
                "This text uses too many combined symbols to be stored. Please shorten it."
            )
        )
    return cleaned


@dataclass
class NoteResult:
    note: Note | None = None
    nudge: NoteNudge | None = None
    duplicate: bool = False

    @property
    def held(self) -> bool:
        return self.note is not None and self.note.state == N.HELD


def _writable_entry(*, entry_id: int, participant: Participant) -> Entry:
    entry = public_entries().filter(pk=entry_id).only("pk", "participant_id").first()
    if entry is None:
        raise NoteGone(_("This entry is not in the gallery."))
    if note_write_refusal(owner_id=entry.participant_id, user=participant.user):
        raise NotesClosed()
    return entry


def _check_duplicate(*, participant: Participant, text: str) -> None:
    since = timezone.now() - timedelta(hours=settings.NOTES_DUPLICATE_HOURS)
    if Note.objects.filter(
        author=participant, text__iexact=text, created_at__gte=since
    ).exists():
        raise NoteDuplicate()


def _lock_writer(participant: Participant) -> None:
    # One writer's notes are written one after the other, so two identical posts
    # at once give one note and one "already written".
    Participant.objects.select_for_update().filter(pk=participant.pk).first()


def _note_create(
    *, entry: Entry, participant: Participant, text: str, hits: list, outcome: str
) -> Note:
    held = needs_careful_review(hits)
    owner_prefs = note_prefs(Participant.objects.get(pk=entry.participant_id))
    note = Note.objects.create(
        entry_id=entry.pk,
        author=participant,
        text=text,
        state=N.HELD if held else N.PUBLISHED,
        muted=owner_words_hit(text, owner_prefs.words),
        nudge_outcome=outcome,
        watched_hits=hits,
    )
    if held:
        NoteEvent.objects.create(
            note=note, role=NoteEvent.Role.SYSTEM, action=E.HELD, reason="watched_hold"
        )
    _changed()
    return note


@transaction.atomic
def note_submit(*, entry_id: int, participant: Participant, text: str) -> NoteResult:
    """Write a note under a public entry.

    The watched-word engine reads it first: a "hold" phrase keeps the note for a
    moderator (the writer sees it as theirs, nobody else does); another watched
    phrase gives a pending NoteNudge and the "think before you post" page, nothing
    published yet; a kind note is published at once.
    """
    text = note_text_clean(text)
    entry = _writable_entry(entry_id=entry_id, participant=participant)
    _lock_writer(participant)
    _check_duplicate(participant=participant, text=text)
    hits = caption_hits(text)
    if hits and not needs_careful_review(hits):
        nudge = NoteNudge.objects.create(
            participant=participant, entry_id=entry.pk, text=text, hits=hits
        )
        return NoteResult(nudge=nudge)
    note = _note_create(
        entry=entry,
        participant=participant,
        text=text,
        hits=hits,
        outcome=NoteNudge.Outcome.NONE,
    )
    return NoteResult(note=note)


class NoteChoice:
    EDIT = "edit"
    POST_ANYWAY = "post_anyway"
    CANCEL = "cancel"


@transaction.atomic
def note_nudge_decide(
    *, nudge_id: int, participant: Participant, choice: str, text: str = ""
) -> NoteResult:
    """The writer's choice after "think before you post": cancel (nothing is
    published), edit (checked again; still hurtful → the prompt stays with the new
    words), or post anyway (published as it was, the hits recorded)."""
    nudge = NoteNudge.objects.select_for_update().get(
        pk=nudge_id, participant=participant
    )
    if nudge.outcome != NoteNudge.Outcome.PENDING:
        if nudge.note_id:
            return NoteResult(note=nudge.note, duplicate=True)
        raise NudgeAlreadyDecided()
    now = timezone.now()
    if choice == NoteChoice.CANCEL:
        nudge.outcome, nudge.decided_at = NoteNudge.Outcome.CANCELLED, now
        nudge.save(update_fields=["outcome", "decided_at"])
        return NoteResult(nudge=nudge)
    if choice == NoteChoice.EDIT:
        new_text = note_text_clean(text)
        hits = caption_hits(new_text)
        if hits and not needs_careful_review(hits):
            nudge.text, nudge.hits = new_text, hits
            nudge.save(update_fields=["text", "hits"])
            return NoteResult(nudge=nudge)
        outcome, final_text = NoteNudge.Outcome.EDITED, new_text
    elif choice == NoteChoice.POST_ANYWAY:
        outcome, final_text, hits = (
            NoteNudge.Outcome.POSTED_ANYWAY,
            nudge.text,
            nudge.hits,
        )
    else:
        raise ValueError(f"unknown choice {choice!r}")
    entry = _writable_entry(entry_id=nudge.entry_id, participant=participant)
    _lock_writer(participant)
    _check_duplicate(participant=participant, text=final_text)
    note = _note_create(
        entry=entry,
        participant=participant,
        text=final_text,
        hits=hits,
        outcome=outcome,
    )
    nudge.outcome, nudge.decided_at, nudge.note = outcome, now, note
    nudge.save(update_fields=["outcome", "decided_at", "note"])
    return NoteResult(note=note)


def note_nudges_expire_abandoned(*, older_than: timedelta | None = None) -> int:
    """Prompts nobody answered become "abandoned" (counted as such)."""
    older_than = older_than or timedelta(hours=settings.CHALLENGE_NUDGE_HOLD_HOURS)
    return NoteNudge.objects.filter(
        outcome=NoteNudge.Outcome.PENDING, created_at__lt=timezone.now() - older_than
    ).update(outcome=NoteNudge.Outcome.ABANDONED, decided_at=timezone.now())


# --- The owner's controls ---------------------------------------------------------------


def _settings_row(participant: Participant) -> NoteSettings:
    row, _created = NoteSettings.objects.select_for_update().get_or_create(
        participant=participant
    )
    return row


def _remute(owner: Participant, words) -> None:
    """Keep `muted` in step with the owner's words on every note not removed."""
    notes = Note.objects.filter(entry__participant=owner).exclude(state=N.REMOVED)
    muted_ids = [
        pk
        for pk, text in notes.values_list("pk", "text")
        if owner_words_hit(text, words)
    ]
    notes.filter(pk__in=muted_ids).update(muted=True)
    notes.exclude(pk__in=muted_ids).update(muted=False)


@transaction.atomic
def note_settings_update(
    *, participant: Participant, open: bool, words: str, digest: bool
) -> NoteSettings:
    """Save who may write, the words that hide a note and the digest choice. Under
    the age of digital consent, "open" waits for a guardian's yes (see
    note_guardian_request); closing never needs anyone."""
    row = _settings_row(participant)
    lines = [clean_text(line)[:80] for line in words.splitlines()]
    cleaned_words = "\n".join(dict.fromkeys(line for line in lines if line))
    words_changed = cleaned_words != row.words
    row.open, row.words, row.digest = open, cleaned_words, digest
    if not open:
        # A later "open" asks the guardian again.
        row.guardian_confirmed_at = None
    row.save()
    if words_changed:
        _remute(participant, row.word_list())
    _changed()
    return row


def _guardian_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=GUARDIAN_SALT)


def _request_stamp(row: NoteSettings) -> str:
    # To the microsecond: each request (and resend) has its own link, and a new one
    # makes the older links stale.
    return f"{row.guardian_requested_at.timestamp():.6f}"


def notes_guardian_token(row: NoteSettings) -> str:
    return _guardian_signer().sign(f"{row.pk}.{_request_stamp(row)}")


def _asked_lately(row: NoteSettings) -> bool:
    resend_after = timedelta(minutes=settings.GUARDIAN_RESEND_MINUTES)
    return bool(
        row.guardian_requested_at
        and row.guardian_requested_at > timezone.now() - resend_after
    )


def _send_guardian_link_on_commit(row: NoteSettings) -> None:
    enqueue_on_commit(jobs.SEND_NOTES_GUARDIAN_EMAIL, row.pk)


@transaction.atomic
def note_guardian_request(*, participant: Participant, guardian_email: str) -> bool:
    """Ask a guardian, by the same kind of signed mail link as for entries, to agree
    that people may write notes under the participant's entries. False when nothing
    was sent: the same address was asked a moment ago (GUARDIAN_RESEND_MINUTES)."""
    if not note_prefs(participant).minor:
        return False
    if same_mailbox(guardian_email, account_addresses(participant.user)):
        raise GuardianIsParticipant()
    row = _settings_row(participant)
    if row.guardian_email == guardian_email and _asked_lately(row):
        return False
    row.open = True
    row.guardian_email = guardian_email
    row.guardian_requested_at = timezone.now()
    row.guardian_confirmed_at = None
    row.save()
    _send_guardian_link_on_commit(row)
    return True


@transaction.atomic
def note_guardian_resend(*, participant: Participant) -> None:
    """A new link to the same guardian (the old one stops working); allowed once
    every GUARDIAN_RESEND_MINUTES, and only while the answer is still awaited."""
    row = (
        NoteSettings.objects.select_for_update().filter(participant=participant).first()
    )
    if (
        row is None
        or not note_prefs(participant, row).waits_for_guardian
        or not row.guardian_email
        or row.guardian_requested_at is None
    ):
        raise ChallengeError(
            _("Nothing is waiting for an answer from your parent or guardian.")
        )
    if _asked_lately(row):
        raise ChallengeError(
            _("We sent the email a few minutes ago. Please wait before sending again.")
        )
    row.guardian_requested_at = timezone.now()
    row.save(update_fields=["guardian_requested_at"])
    _send_guardian_link_on_commit(row)


def notes_guardian_email_send(*, settings_id: int) -> None:
    row = NoteSettings.objects.select_related("participant").get(pk=settings_id)
    if not row.guardian_email or row.guardian_confirmed_at:
        return
    link = settings.SITE_URL + reverse(
        "challenge:notes_guardian", kwargs={"token": notes_guardian_token(row)}
    )
    notes_guardian_message(row=row, link=link).send()


def notes_guardian_from_token(token: str) -> NoteSettings:
    max_age = timedelta(days=settings.GUARDIAN_LINK_MAX_AGE_DAYS)
    try:
        value = _guardian_signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise GuardianLinkError("expired") from error
    except signing.BadSignature as error:
        raise GuardianLinkError("invalid") from error
    pk, _sep, stamp = value.partition(".")
    row = NoteSettings.objects.select_related("participant").filter(pk=pk).first()
    if row is None or row.guardian_requested_at is None:
        raise GuardianLinkError("invalid")
    if stamp != _request_stamp(row):
        raise GuardianLinkError("expired")
    if row.guardian_confirmed_at:
        raise GuardianLinkError("used")
    return row


@transaction.atomic
def note_guardian_decide(*, token: str, confirm: bool, user=None) -> NoteSettings:
    """The guardian's answer. The participant's own session never answers."""
    row = notes_guardian_from_token(token)
    row = NoteSettings.objects.select_for_update().get(pk=row.pk)
    if (
        user is not None
        and user.is_authenticated
        and user.pk == row.participant.user_id
    ):
        raise ConsentFromParticipant()
    if confirm:
        row.guardian_confirmed_at = timezone.now()
        row.open = True
    else:
        row.open = False
        row.guardian_requested_at = None
    row.save()
    _changed()
    return row


def _owned_notes(owner: Participant):
    return Note.objects.select_for_update().filter(entry__participant=owner)


def _remove(notes, *, actor, role: str, reason: str) -> int:
    removed = 0
    for note in notes.exclude(state=N.REMOVED):
        note.state, note.state_changed_at = N.REMOVED, timezone.now()
        note.save(update_fields=["state", "state_changed_at"])
        NoteEvent.objects.create(
            note=note, actor=actor, role=role, action=E.REMOVED, reason=reason
        )
        removed += 1
    if removed:
        _changed()
    return removed


@transaction.atomic
def notes_remove(*, owner: Participant, note_ids: list[int]) -> int:
    """The owner removes several notes at once (only notes under their own entries;
    other ids are ignored). Each removal is logged. Returns how many were removed."""
    notes = _owned_notes(owner).filter(pk__in=note_ids)
    return _remove(
        notes, actor=owner.user, role=NoteEvent.Role.OWNER, reason="owner_removed"
    )


@transaction.atomic
def notes_remove_by_writer(*, owner: Participant, note_id: int) -> int:
    """Every note the writer of `note_id` left under the owner's entries."""
    note = _owned_notes(owner).filter(pk=note_id).first()
    if note is None:
        return 0
    notes = _owned_notes(owner).filter(author_id=note.author_id)
    return _remove(
        notes,
        actor=owner.user,
        role=NoteEvent.Role.OWNER,
        reason="owner_removed_writer",
    )


@transaction.atomic
def note_block(*, owner: Participant, note_id: int) -> NoteBlock | None:
    """Block the writer of a note under the owner's entries: no new notes, no new
    hearts on any of the owner's entries. The writer is never told."""
    note = (
        Note.objects.filter(pk=note_id, entry__participant=owner)
        .select_related("author")
        .first()
    )
    if note is None or note.author.user_id == owner.user_id:
        return None
    block, _created = NoteBlock.objects.get_or_create(
        owner=owner,
        blocked_id=note.author.user_id,
        defaults={"handle": note.author.handle},
    )
    return block


@transaction.atomic
def note_unblock(*, owner: Participant, block_id: int) -> bool:
    deleted, _rows = NoteBlock.objects.filter(pk=block_id, owner=owner).delete()
    return bool(deleted)


# --- Reports and moderators ------------------------------------------------------------


class NoteReportRefused(ChallengeError):
    code = "note_report_refused"


@transaction.atomic
def note_report_create(
    *, note_id: int, user, reason: str, text: str = ""
) -> NoteReport:
    """A signed-in account reports a note anyone can see. Weighed like entry reports
    (services.moderation.report_weight); at NOTES_HOLD_AT_REPORTS the note is held
    for the moderators at once. Under the note's row lock, so reports arriving
    together hold it once."""
    if not user.is_authenticated:
        raise NoteReportRefused(_("Log in to report a note."))
    if reason not in ReportReason.values:
        raise NoteReportRefused(_("Please choose a reason."))
    note = Note.objects.select_for_update().filter(pk=note_id).first()
    if (
        note is None
        or note.state != N.PUBLISHED
        or note.muted
        or not public_entries().filter(pk=note.entry_id).exists()
    ):
        raise NoteReportRefused(_("This note cannot be reported."))
    try:
        with transaction.atomic():
            report = NoteReport.objects.create(
                note=note,
                reporter_key=f"u:{user.pk}",
                user=user,
                reason=reason,
                text=clean_text(text, multiline=True)[:1000],
                weight=report_weight(user),
            )
    except IntegrityError as error:
        raise NoteReportRefused(_("You have already reported this note.")) from error
    Note.objects.filter(pk=note.pk).update(report_count=F("report_count") + 1)
    weight = (
        NoteReport.objects.filter(note=note, resolved_at__isnull=True).aggregate(
            total=Sum("weight")
        )["total"]
        or NO_WEIGHT
    )
    if weight >= settings.NOTES_HOLD_AT_REPORTS:
        Note.objects.filter(pk=note.pk).update(
            state=N.HELD, state_changed_at=timezone.now()
        )
        NoteEvent.objects.create(
            note=note, role=NoteEvent.Role.SYSTEM, action=E.HELD, reason="reports"
        )
        _changed()
    return report


def can_moderate_notes(user) -> bool:
    return bool(
        user and user.is_active and user.is_staff and user.has_perm(MODERATE_NOTES)
    )


def _require_moderator(actor) -> None:
    if not can_moderate_notes(actor):
        raise PermissionDenied(_("Only moderators can remove or restore notes."))


@transaction.atomic
def note_moderate(*, note_id: int, actor, remove: bool, reason: str) -> bool:
    """A moderator removes a note (published or held) or restores one (held, or
    removed by a moderator: what an owner removed from their own entry stays
    removed). Open reports are resolved. Returns whether anything changed."""
    _require_moderator(actor)
    if not reason.strip():
        raise ValueError(_("Give a reason."))
    note = Note.objects.select_for_update().get(pk=note_id)
    if remove:
        if note.state == N.REMOVED:
            return False
        to_state, action = N.REMOVED, E.REMOVED
    else:
        last = note.events.filter(action=E.REMOVED).first()
        owner_removed = (
            note.state == N.REMOVED
            and last is not None
            and last.role == NoteEvent.Role.OWNER
        )
        if note.state == N.PUBLISHED or owner_removed:
            return False
        to_state, action = N.PUBLISHED, E.RESTORED
    note.state, note.state_changed_at = to_state, timezone.now()
    note.save(update_fields=["state", "state_changed_at"])
    NoteEvent.objects.create(
        note=note,
        actor=actor,
        role=NoteEvent.Role.MODERATOR,
        action=action,
        reason=reason.strip()[:200],
    )
    NoteReport.objects.filter(note=note, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    _changed()
    return True


@transaction.atomic
def notes_remove_all_by_author(*, author_id: int, actor, reason: str) -> int:
    """A moderator removes everything one writer posted, in one step."""
    _require_moderator(actor)
    if not reason.strip():
        raise ValueError(_("Give a reason."))
    notes = Note.objects.select_for_update().filter(author_id=author_id)
    removed = _remove(
        notes, actor=actor, role=NoteEvent.Role.MODERATOR, reason=reason.strip()[:200]
    )
    NoteReport.objects.filter(
        note__author_id=author_id, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())
    return removed


# --- The daily digest ---------------------------------------------------------------------


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
    row = _settings_row(participant)
    row.digest = False
    row.save(update_fields=["digest"])


def notes_digest_prepare(*, now=None) -> list[int]:
    """One NoteDigest per owner with new notes from others in the last day (and the
    digest on): at most one a day (unique per owner and day). Returns the ids to
    send."""
    now = now or timezone.now()
    since = now - timedelta(days=1)
    rows = (
        Note.objects.filter(state=N.PUBLISHED, muted=False, created_at__gte=since)
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
