"""Kind notes: short comments on gallery entries, the "think before you post" record
behind them, the owner's controls (who may write, hidden words, blocks), reports on
notes, the append-only log of their states, and the daily digest mail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import NudgeOutcome, ReportReason
from .notices import SentOnce


class Note(models.Model):
    """A note under an entry. Its `state` changes only through
    challenge.note_states (each change leaves a NoteEvent)."""

    class State(models.TextChoices):
        PUBLISHED = "published", _("Published")
        HELD = "held", _("Held for a moderator")
        REMOVED = "removed", _("Removed")

    entry = models.ForeignKey(
        "challenge.Entry",
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("entry"),
    )
    author = models.ForeignKey(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="notes_written",
        verbose_name=_("writer"),
    )
    text = models.CharField(_("text"), max_length=1000)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=State.choices,
        default=State.PUBLISHED,
    )
    # One of the owner's own words is in it: only its writer sees it. Kept in step
    # with the owner's list by services.notes.owner.note_settings_update.
    muted = models.BooleanField(_("hidden by the owner's words"), default=False)
    nudge_outcome = models.CharField(
        _("kindness nudge"),
        max_length=16,
        choices=NudgeOutcome.choices,
        default=NudgeOutcome.NONE,
    )
    watched_hits = models.JSONField(_("watched words found"), default=list, blank=True)
    # Open reports, counted as on entries (Entry.report_count): every report, weighed
    # or not, until a moderator's decision resolves them.
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    # A burst of reports (services.notes.reports): flagged for the moderators, who
    # are mailed once per burst (report_alert_sent_at), as for entries.
    report_burst_at = models.DateTimeField(
        _("burst of reports at"), null=True, blank=True
    )
    report_alert_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["entry", "state", "created_at", "id"], name="note_entry_page"
            ),
            models.Index(fields=["author", "created_at"], name="note_author_recent"),
        ]
        permissions = [("moderate_note", _("Can remove and restore notes"))]

    def __str__(self):
        return f"#{self.pk} on {self.entry_id}"


class NoteEvent(models.Model):
    """Append-only history of a note's states: who, from, to, why, when (the shape
    of an EntryEvent; `role` says in which capacity the actor acted)."""

    class Role(models.TextChoices):
        OWNER = "owner", _("The entry's owner")
        MODERATOR = "moderator", _("A moderator")
        SYSTEM = "system", _("Automatic")

    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, related_name="events", verbose_name=_("note")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    from_state = models.CharField(
        _("from"), max_length=10, choices=Note.State.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=10, choices=Note.State.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("note event")
        verbose_name_plural = _("note events")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        # In words: admin shows it over each row of a note's history.
        before = self.get_from_state_display() or "—"
        return f"{self.note_id}: {before} → {self.get_to_state_display()}"


class NoteNudge(models.Model):
    """One "think before you post" prompt for a note and what the writer chose.

    Nothing is published while it waits; the row stays as the record behind the
    dashboard's "changed or withdrew" rate for notes."""

    Outcome = NudgeOutcome

    participant = models.ForeignKey(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="note_nudges",
        verbose_name=_("writer"),
    )
    entry = models.ForeignKey(
        "challenge.Entry",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("entry"),
    )
    note = models.OneToOneField(
        Note,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nudge",
    )
    text = models.CharField(_("text"), max_length=1000)
    hits = models.JSONField(_("watched words found"), default=list)
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=Outcome.choices,
        default=Outcome.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("note nudge")
        verbose_name_plural = _("note nudges")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.participant_id} {self.get_outcome_display()}"


class NoteSettings(models.Model):
    """An entry owner's choices for the notes on their entries.

    `open` None means "the default for my age": open for a participant old enough to
    consent, closed under the age of digital consent, where it opens only once a
    guardian has agreed (`guardian_confirmed_at`)."""

    participant = models.OneToOneField(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="note_settings",
        verbose_name=_("participant"),
    )
    open = models.BooleanField(_("everyone signed in may write notes"), null=True)
    words = models.TextField(_("words that hide a note"), blank=True)
    digest = models.BooleanField(_("daily mail about new notes"), null=True)
    guardian_email = models.EmailField(_("guardian's email"), blank=True)
    guardian_requested_at = models.DateTimeField(null=True, blank=True)
    guardian_confirmed_at = models.DateTimeField(null=True, blank=True)
    digest_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("note settings")
        verbose_name_plural = _("note settings")

    def __str__(self):
        return f"{self.participant_id}"

    def word_list(self) -> list[str]:
        return [line.strip() for line in self.words.splitlines() if line.strip()]


class NoteBlock(models.Model):
    """An owner blocked an account from their entries: no notes, no hearts.
    The blocked account is never told."""

    owner = models.ForeignKey(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="note_blocks",
        verbose_name=_("owner"),
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("blocked account"),
    )
    # The handle when blocked, for the owner's list (an account may change it).
    handle = models.CharField(_("handle"), max_length=24)
    created_at = models.DateTimeField(_("blocked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "blocked"], name="note_block_once")
        ]

    def __str__(self):
        return f"{self.owner_id} ⊘ {self.blocked_id}"


class NoteReport(models.Model):
    """A signed-in account's report on a note; weighed like entry reports
    (challenge.services.moderation.reports.report_weight)."""

    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, related_name="reports", verbose_name=_("note")
    )
    reporter_key = models.CharField(max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    # A keyed hash of the reporter's network (challenge.devices.network_hash): equal
    # for reports sent from one network, useless without the secret key.
    network_hash = models.CharField(max_length=64, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=16, choices=ReportReason.choices)
    text = models.TextField(_("details"), max_length=1000, blank=True)
    weight = models.DecimalField(
        _("weight toward holding"), max_digits=3, decimal_places=1, default=0
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("note report")
        verbose_name_plural = _("note reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["note", "reporter_key"], name="note_report_one_per_reporter"
            )
        ]

    def __str__(self):
        return f"{self.note_id}: {self.get_reason_display()}"


class NoteDigest(SentOnce):
    """The one mail a day telling an owner about new notes (one row per owner and
    day, unique), claimed and stamped like every SentOnce mail."""

    participant = models.ForeignKey(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="note_digests",
        verbose_name=_("participant"),
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("new notes"), default=0)

    class Meta(SentOnce.Meta):
        verbose_name = _("note digest")
        verbose_name_plural = _("note digests")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "day"], name="note_digest_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.participant_id} {self.day}"
