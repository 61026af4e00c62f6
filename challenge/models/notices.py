"""The e-mails telling participants about decisions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModerationNotice(models.Model):
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
