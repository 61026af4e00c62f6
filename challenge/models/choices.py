"""The fixed lists the challenge's models and forms choose from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Prompt(models.TextChoices):
    MOMENT = "moment", _("A heart-warming moment")
    WORDS = "words", _("Kind words that inspired you")
    WITNESS = "witness", _("Something you witnessed and what helped")


class NudgeOutcome(models.TextChoices):
    """What a participant did after "think before you post": the one enum for the
    Nudge record and for the entry it led to (an entry never nudged is NONE)."""

    NONE = "none", _("No nudge shown")
    PENDING = "pending", _("Waiting for a choice")
    EDITED = "edited", _("Edited the caption")
    CANCELLED = "cancelled", _("Cancelled")
    POSTED_ANYWAY = "posted_anyway", _("Posted anyway")
    ABANDONED = "abandoned", _("Left without choosing")


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
