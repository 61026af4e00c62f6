"""The "think before you post" nudge: the watched words and each prompt shown."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import NudgeOutcome, Prompt


class WatchedWord(models.Model):
    """A hurtful word or phrase the kindness nudge looks for in captions."""

    class Action(models.TextChoices):
        NUDGE = "nudge", _("Nudge: ask to think before posting")
        HOLD = "hold", _("Hold: nudge, and flag the entry for careful review")

    phrase = models.CharField(
        _("word or phrase"),
        max_length=80,
        help_text=_(
            "Written plainly, e.g. “idiot” or “kill yourself”. Case, accents, "
            "leetspeak, spacing and repeated letters are handled automatically."
        ),
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    action = models.CharField(
        _("action"), max_length=8, choices=Action.choices, default=Action.NUDGE
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("watched word")
        verbose_name_plural = _("watched words")
        ordering = ["language", "phrase"]
        constraints = [
            models.UniqueConstraint(
                fields=["phrase", "language"], name="watched_word_unique"
            )
        ]

    def __str__(self):
        return f"{self.phrase} ({self.language})"


class Nudge(models.Model):
    """One "think before you post" prompt and what the participant did.

    The upload is stored first (private, processing starts); the entry is created
    only once the participant edits the caption or posts anyway. Cancelling deletes
    the video. The row stays as the record behind the reconsideration rate.
    """

    Outcome = NudgeOutcome

    participant = models.ForeignKey(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="nudges",
        verbose_name=_("participant"),
    )
    video = models.OneToOneField(
        "videos.Video",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="held_by_nudge",
    )
    entry = models.OneToOneField(
        "challenge.Entry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nudge",
    )
    caption = models.CharField(_("caption"), max_length=1500)
    prompt = models.CharField(_("prompt"), max_length=12, choices=Prompt.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    guardian_email = models.EmailField(blank=True)
    submission_token = models.UUIDField(null=True, blank=True, unique=True)
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
        verbose_name = _("kindness nudge")
        verbose_name_plural = _("kindness nudges")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.participant} {self.get_outcome_display()}"
