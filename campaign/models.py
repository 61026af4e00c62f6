from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    class Phase(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")

    name = models.CharField(_("name"), max_length=120)
    hashtag = models.CharField(_("hashtag"), max_length=60, default="#CreateKindness")
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    dates_are_demo = models.BooleanField(
        _("demo dates"),
        default=False,
        help_text=_(
            "Set by the demo loader, whose dates are made up so that the challenge is "
            "open. Untick it once the real dates are set. Until then, pages say the "
            "dates are demo."
        ),
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self):
        return self.name

    def phase(self, now=None) -> str:
        now = now or timezone.now()
        if now < self.starts_at:
            return self.Phase.UPCOMING
        if now >= self.ends_at:
            return self.Phase.ENDED
        return self.Phase.LIVE

    @property
    def is_live(self) -> bool:
        return self.phase() == self.Phase.LIVE

    @property
    def hashtag_word(self) -> str:
        return self.hashtag.lstrip("#")


class Helpline(models.Model):
    """A child helpline. Rows with a `key` come from campaign/data/helplines.json
    (campaign/services.py `helplines_load`); rows without one were added by staff
    and the loader never touches them."""

    key = models.SlugField(
        _("data key"),
        max_length=80,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set for helplines that come from the data file."),
    )
    country = models.CharField(
        _("country"), max_length=2, help_text=_("ISO 3166 code, e.g. FR")
    )
    name = models.CharField(_("name"), max_length=120)
    number = models.CharField(_("number"), max_length=40, blank=True)
    description = models.CharField(_("what it helps with"), max_length=300, blank=True)
    hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    url = models.URLField(_("website"), blank=True)
    chat_url = models.URLField(
        _("chat or message"),
        blank=True,
        help_text=_("Where to chat or write to the helpline, if it offers that."),
    )
    languages = models.CharField(
        _("languages"), max_length=60, blank=True, help_text=_("e.g. fr, en")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    in_short_lists = models.BooleanField(
        _("in short lists"),
        default=True,
        help_text=_(
            "The banner, episode pages, mails and other countries' lists show a "
            "name and a number only. Untick it for a line that must never be "
            "shown without its description; the help page still shows it in full."
        ),
    )
    # What the loader last wrote, as a hash: a row whose fields no longer match it
    # was edited by staff, and the loader leaves it alone.
    data_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("helpline")
        verbose_name_plural = _("helplines")
        ordering = ["country", "order", "name"]

    def __str__(self):
        return f"{self.country} {self.name} {self.number}".strip()

    @property
    def tel(self) -> str:
        return "".join(ch for ch in self.number if ch.isdigit() or ch == "+")

    @property
    def name_beside_number(self) -> str:
        """The name to show next to the number, never the number again: "" for
        "3018" (the name is the number), "Non au harcèlement" for
        "Non au harcèlement – 3020"."""
        if not self.number:
            return self.name
        name = self.name.replace(self.number, "")
        if self.tel:
            name = name.replace(self.tel, "")
        if name == self.name:  # "Childline (ISPCC)" keeps its brackets
            return self.name
        return name.strip(" \t–—-:·,()")


class PartnerProgramme(models.Model):
    title = models.CharField(_("title"), max_length=160)
    summary = models.TextField(_("summary"), blank=True)
    support = models.TextField(
        _("what partners receive"), blank=True, help_text=_("coaching, funding…")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("partner programme")
        verbose_name_plural = _("partner programmes")
        ordering = ["-starts_on"]

    def __str__(self):
        return self.title


class Partner(models.Model):
    programme = models.ForeignKey(
        PartnerProgramme,
        on_delete=models.CASCADE,
        related_name="partners",
        verbose_name=_("programme"),
    )
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("website"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name
