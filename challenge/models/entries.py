"""Entries and their append-only history."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.reversing import reverse_pk

from .choices import NudgeOutcome, Prompt


class Entry(models.Model):
    """A challenge entry. Its `state` changes only through challenge.states."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Waiting for a guardian's consent")
        UPLOADED = "uploaded", _("Uploaded")
        PROCESSING = "processing", _("Processing")
        PENDING_REVIEW = "pending_review", _("Waiting for review")
        APPROVED = "approved", _("Live in the gallery")
        REJECTED = "rejected", _("Not accepted")
        FAILED = "failed", _("Could not be processed")
        HIDDEN = "hidden", _("Hidden after reports")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    participant = models.ForeignKey(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("participant"),
    )
    video = models.OneToOneField(
        "videos.Video",
        on_delete=models.PROTECT,
        related_name="entry",
        verbose_name=_("video"),
    )
    caption = models.CharField(_("caption"), max_length=1500)
    prompt = models.CharField(_("prompt"), max_length=12, choices=Prompt.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.UPLOADED,
        db_index=True,
    )
    # Two facts, fixed when the entry is made: the participant was under 18 (a minor:
    # careful review, priority, filters, labels), and needed a guardian's consent (under
    # their country's age of digital consent). A 15-year-old in France is the first,
    # not the second.
    is_minor = models.BooleanField(_("under 18"), default=False)
    needs_guardian = models.BooleanField(
        _("needed a guardian's consent"), default=False
    )
    heart_count = models.PositiveIntegerField(_("hearts"), default=0)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    # A burst of reports (settings.MODERATION_BURST_REPORTS within
    # MODERATION_BURST_MINUTES): flagged in the admin until a moderator decides, and
    # the moderators alerted once per burst.
    report_burst_at = models.DateTimeField(
        _("burst of reports at"), null=True, blank=True
    )
    report_alert_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # The "think before you post" nudge (challenge.nudge): what the caption matched
    # and what the participant chose to do about it.
    nudge_outcome = models.CharField(
        _("kindness nudge"),
        max_length=16,
        choices=NudgeOutcome.choices,
        default=NudgeOutcome.NONE,
    )
    watched_hits = models.JSONField(_("watched words found"), default=list, blank=True)
    # The review desk's claim: the moderator looking at this entry until
    # `claimed_until` (challenge.services.claims). Others are given another entry, and
    # their decisions on it are refused while the claim lasts.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claimed by"),
    )
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    # The hidden idempotency token of the submit form: the same form posted twice
    # gives one entry.
    submission_token = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["state", "approved_at", "id"], name="entry_gallery_new"
            ),
            models.Index(
                fields=["state", "heart_count", "id"], name="entry_gallery_hearts"
            ),
            models.Index(
                fields=["state", "state_changed_at", "id"], name="entry_queue"
            ),
        ]
        permissions = [
            ("moderate_entry", _("Can approve, reject, hide and restore entries")),
        ]

    def __str__(self):
        return f"#{self.pk} @{self.participant.handle}"

    def get_absolute_url(self):
        return reverse_pk("gallery:detail", self.pk)


def state_label(value: str) -> str:
    """A state in words (its label); "—" for none, an unknown code as it is."""
    return Entry.State(value).label if value in Entry.State.values else value or "—"


class EntryEvent(models.Model):
    """Append-only history of an entry's states: who, from, to, why, when."""

    entry = models.ForeignKey(
        "challenge.Entry",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("entry"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Set on the event that undoes a moderator's decision (the undone event stays).
    undoes = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="undone_by",
        verbose_name=_("undoes"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("entry event")
        verbose_name_plural = _("entry events")
        ordering = ["created_at", "id"]

    def __str__(self):
        # In words: admin shows it over each row of an entry's history.
        return f"{self.entry_id}: {state_label(self.from_state)} → {state_label(self.to_state)}"
