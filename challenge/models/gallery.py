"""What visitors do in the gallery: hearts and reports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ReportReason


class Heart(models.Model):
    """One account's heart on one entry. Entry.heart_count mirrors the rows."""

    entry = models.ForeignKey(
        "challenge.Entry",
        on_delete=models.CASCADE,
        related_name="hearts",
        verbose_name=_("entry"),
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

    `weight` is what the report counts toward hiding the entry, fixed when it is
    made (challenge.services.moderation.reports.report_weight): 0 for an anonymous
    visitor or an account without a verified address, a half for a new account, else
    1.
    """

    entry = models.ForeignKey(
        "challenge.Entry",
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
    weight = models.DecimalField(
        _("weight toward hiding"), max_digits=3, decimal_places=1, default=0
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        "challenge.EntryEvent",
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
