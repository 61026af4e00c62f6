"""The e-mails telling participants about decisions, and guardians what became of
the entry they agreed to."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SentOnce(models.Model):
    """A mail sent at most once: claimed by one worker, stamped when the mail server
    took it (challenge.services.notices.notice_deliver)."""

    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True


class ModerationNotice(SentOnce):
    """The email telling a participant about one decision.

    Keyed on the decision's EntryEvent (unique), claimed atomically by the task and
    stamped `sent_at`, so one decision never sends two emails.
    """

    class Kind(models.TextChoices):
        APPROVED = "approved", _("Entry approved")
        REJECTED = "rejected", _("Entry not accepted")

    event = models.OneToOneField(
        "challenge.EntryEvent",
        on_delete=models.CASCADE,
        related_name="notice",
        verbose_name=_("decision"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta(SentOnce.Meta):
        verbose_name = _("moderation notice")
        verbose_name_plural = _("moderation notices")

    def __str__(self):
        return f"{self.event_id}: {self.kind}"


class GuardianNotice(SentOnce):
    """A mail to the guardian after their "yes": the standing revoke link right after
    consent, what they agreed to a day later ("e-mail plus"), and word when the
    entry is published.

    One per consent and kind (unique), claimed atomically by the task and stamped
    `sent_at`, so a guardian never gets the same mail twice.
    """

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("Consent recorded (with the withdraw link)")
        PUBLISHED = "published", _("Entry published")
        FOLLOW_UP = (
            "follow_up",
            _("What was agreed, a day later (with the withdraw link)"),
        )

    consent = models.ForeignKey(
        "challenge.GuardianConsent",
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("guardian consent"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta(SentOnce.Meta):
        verbose_name = _("guardian notice")
        verbose_name_plural = _("guardian notices")
        constraints = [
            models.UniqueConstraint(
                fields=["consent", "kind"], name="guardian_notice_once_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.consent_id}: {self.kind}"
