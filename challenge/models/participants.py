"""Who takes part: the participant's profile and a guardian's consent."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..devices import DeviceKind

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
    is_demo = models.BooleanField(
        _("demo account"),
        default=False,
        help_text=_(
            "Made up by the demo loader: its entries are shown as demo material, "
            "never as a real participant's."
        ),
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


class GuardianConsent(models.Model):
    """A parent's or guardian's answer for one entry of a participant under the age
    of digital consent. The emailed link is signed and expires; the row records who
    answered, what, and when, and makes the link single-use."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")

    entry = models.OneToOneField(
        "challenge.Entry",
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
    # How the answer was given, for the moderators (services.guardian.guardian_decide):
    # a coarse kind of device, a keyed hash of the network (erased with the
    # guardian's address, see services.privacy), whether that network is one the
    # participant signed in or uploaded from, and when the participant's own browser
    # tried to answer (refused, but worth knowing when a "yes" follows).
    answered_device = models.CharField(
        _("answered from"), max_length=10, choices=DeviceKind.choices, blank=True
    )
    answered_network = models.CharField(max_length=64, blank=True)
    from_participant_network = models.BooleanField(
        _("answered from the participant's network"), default=False
    )
    participant_tried_at = models.DateTimeField(
        _("the participant's browser tried to answer"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")

    def __str__(self):
        return f"{self.entry_id}: {self.get_decision_display()}"


class AgeGateRefusal(models.Model):
    """An under-13 sign-up that was turned away, remembered for AGE_GATE_MEMORY_DAYS
    so that the same mailbox cannot simply try again with another birth year. Only a
    keyed hash (HMAC with the site's secret) of the mailbox is stored, never the
    address; the retention sweep deletes the row when the period ends."""

    mailbox_hash = models.CharField(max_length=64, unique=True)
    refused_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("age-gate refusal")
        verbose_name_plural = _("age-gate refusals")

    def __str__(self):
        return f"{self.mailbox_hash[:12]}… {self.refused_at:%Y-%m-%d}"
