from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

HANDLE_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_.]{3,24}$",
    _("3 to 24 letters, digits, dots or underscores, without spaces."),
)


class Participant(models.Model):
    """A person taking part. Only `handle` is ever shown publicly."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="participant",
        verbose_name=_("account"),
    )
    handle = models.CharField(
        _("public handle"), max_length=24, validators=[HANDLE_VALIDATOR]
    )
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    birth_month = models.PositiveSmallIntegerField(_("birth month"))
    country = models.CharField(_("country"), max_length=2)
    language = models.CharField(
        _("language"), max_length=5, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("handle"), name="participant_handle_unique_ci"
            )
        ]

    def __str__(self):
        return f"@{self.handle}"


class Prompt(models.TextChoices):
    MOMENT = "moment", _("A heart-warming moment")
    WORDS = "words", _("Kind words that inspired you")
    WITNESS = "witness", _("Something you witnessed and what helped")


class NudgeOutcome(models.TextChoices):
    NONE = "none", _("No nudge shown")
    EDITED = "edited", _("Edited the caption")
    CANCELLED = "cancelled", _("Cancelled")
    POSTED_ANYWAY = "posted_anyway", _("Posted anyway")


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
        Participant,
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
    caption = models.CharField(_("caption"), max_length=320)
    prompt = models.CharField(_("prompt"), max_length=12, choices=Prompt.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.UPLOADED,
        db_index=True,
    )
    is_minor = models.BooleanField(_("minor"), default=False)
    heart_count = models.PositiveIntegerField(_("hearts"), default=0)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
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
        ]
        permissions = [
            ("moderate_entry", _("Can approve, reject, hide and restore entries")),
        ]

    def __str__(self):
        return f"#{self.pk} @{self.participant.handle}"

    def get_absolute_url(self):
        return reverse("gallery:detail", kwargs={"pk": self.pk})


class EntryEvent(models.Model):
    """Append-only history of an entry's states: who, from, to, why, when."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="events", verbose_name=_("entry")
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
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("entry event")
        verbose_name_plural = _("entry events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.entry_id}: {self.from_state} → {self.to_state}"


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

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for a choice")
        EDITED = "edited", _("Edited the caption")
        CANCELLED = "cancelled", _("Cancelled")
        POSTED_ANYWAY = "posted_anyway", _("Posted anyway")
        ABANDONED = "abandoned", _("Left without choosing")

    participant = models.ForeignKey(
        Participant,
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
        Entry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nudge",
    )
    caption = models.CharField(_("caption"), max_length=320)
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


class GuardianConsent(models.Model):
    """A parent's or guardian's answer for one entry of a participant under the age
    of digital consent. The emailed link is signed and expires; the row records who
    answered, what, and when, and makes the link single-use."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")

    entry = models.OneToOneField(
        Entry,
        on_delete=models.CASCADE,
        related_name="guardian_consent",
        verbose_name=_("entry"),
    )
    guardian_email = models.EmailField(_("guardian's email"))
    decision = models.CharField(
        _("decision"),
        max_length=10,
        choices=Decision.choices,
        default=Decision.PENDING,
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")

    def __str__(self):
        return f"{self.entry_id}: {self.get_decision_display()}"


# --- Moderation and gallery ---


class RejectReason(models.TextChoices):
    """Why an entry is not accepted (or removed). Shown to the participant."""

    BULLYING = "bullying", _("Bullying or hurtful")
    PERSONAL_INFO = "personal_info", _("Personal information shown")
    OFF_THEME = "off_theme", _("Not on the theme")
    UNSAFE_FOR_MINORS = "unsafe_minors", _("Unsafe for young viewers")
    COPYRIGHT = "copyright", _("Copyright")
    SPAM = "spam", _("Spam or advertising")
    OTHER = "other", _("Other")


class ReportReason(models.TextChoices):
    """Why a visitor reports an entry in the gallery."""

    BULLYING = "bullying", _("It is bullying or hurtful")
    PERSONAL_INFO = "personal_info", _("It shows personal information")
    UNSAFE = "unsafe", _("It is unsafe or upsetting")
    COPYRIGHT = "copyright", _("It uses someone else's work")
    SPAM = "spam", _("It is spam")
    OTHER = "other", _("Something else")


class Heart(models.Model):
    """One account's heart on one entry. Entry.heart_count mirrors the rows."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="hearts", verbose_name=_("entry")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="hearts",
        verbose_name=_("account"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("heart")
        verbose_name_plural = _("hearts")
        constraints = [
            models.UniqueConstraint(fields=["entry", "user"], name="heart_unique")
        ]

    def __str__(self):
        return f"{self.user_id} \u2665 {self.entry_id}"


class Report(models.Model):
    """A visitor's report on an approved entry.

    `reporter_key` is "u:<user id>" for an account or "s:<hash of the session key>"
    for an anonymous visitor: one report per reporter per entry.
    """

    entry = models.ForeignKey(
        Entry,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("entry"),
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
    reason = models.CharField(_("reason"), max_length=16, choices=ReportReason.choices)
    text = models.TextField(_("details"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        EntryEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by decision"),
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "reporter_key"], name="report_one_per_reporter"
            )
        ]
        indexes = [models.Index(fields=["resolved_at"], name="report_open")]

    def __str__(self):
        return f"{self.entry_id}: {self.get_reason_display()}"


class ModerationNotice(models.Model):
    """The email telling a participant about one decision.

    Keyed on the decision's EntryEvent (unique), claimed atomically by the task and
    stamped `sent_at`, so one decision never sends two emails.
    """

    class Kind(models.TextChoices):
        APPROVED = "approved", _("Entry approved")
        REJECTED = "rejected", _("Entry not accepted")

    event = models.OneToOneField(
        EntryEvent,
        on_delete=models.CASCADE,
        related_name="notice",
        verbose_name=_("decision"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("moderation notice")
        verbose_name_plural = _("moderation notices")

    def __str__(self):
        return f"{self.event_id}: {self.kind}"
