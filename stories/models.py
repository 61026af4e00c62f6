import re

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .webvtt import validate_webvtt


class Series(models.Model):
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    published_by = models.CharField(
        _("published by"),
        max_length=60,
        blank=True,
        help_text=_("The account that published the series, e.g. @TikTokTips"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title


class Episode(models.Model):
    class Situation(models.TextChoices):
        UNKIND_DUETS = "unkind_duets", _("Unkind Duets")
        INSECURITY = "insecurity", _("The insecurity behind unkindness")
        NEGATIVE_COMMENTS = "negative_comments", _("Negative comments")
        MISREPRESENTED = "misrepresented", _("Being misrepresented")
        MICROAGGRESSIONS = "microaggressions", _("Micro-aggressions")
        UNSEEN = "unseen", _("What we don't see")

    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        on_delete=models.PROTECT,
        related_name="episodes",
    )
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(_("order in the series"), default=0)
    creator_handle = models.CharField(
        _("creator handle"), max_length=60, help_text=_("e.g. @milkymichii")
    )
    creator_name = models.CharField(_("creator display name"), max_length=120)
    creator_avatar = models.ImageField(
        _("creator avatar"), upload_to="stories/avatars/", blank=True
    )
    creator_quote = models.CharField(
        _("a line from the creator"), max_length=300, blank=True
    )
    synopsis = models.TextField(_("synopsis"), blank=True)
    situation = models.CharField(
        _("what it is about"), max_length=30, choices=Situation.choices
    )
    tips = models.TextField(
        _("what you can do"), blank=True, help_text=_("One tip per line.")
    )
    publish_at = models.DateTimeField(
        _("publish date"),
        null=True,
        blank=True,
        help_text=_("The episode is public from this moment on. Empty: a draft."),
    )
    video = models.OneToOneField(
        "videos.Video",
        verbose_name=_("video"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="episode",
    )
    views = models.PositiveBigIntegerField(
        _("views"),
        default=0,
        editable=False,
        help_text=_("Plays counted so far (flushed from the cache every few minutes)."),
    )
    is_demo = models.BooleanField(
        _("demo placeholder"),
        default=False,
        help_text=_(
            "Set by the demo loader: the clip is generated and the texts describe the "
            "original episode. Untick it once the real episode is here; the demo "
            "loader then leaves this episode alone."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("episode")
        verbose_name_plural = _("episodes")
        ordering = ["series__order", "series_id", "order", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("stories:detail", kwargs={"slug": self.slug})

    def is_published(self, now=None) -> bool:
        return self.publish_at is not None and self.publish_at <= (
            now or timezone.now()
        )

    @property
    def original_title(self) -> str:
        """The title the episode was published under (the default language's), when
        the visitor reads another one; "" when they are the same."""
        original = getattr(self, f"title_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}")
        return original if original and original != self.title else ""

    @property
    def creator_profile_url(self) -> str:
        """The creator's TikTok profile (the series was published there), from the
        handle; "" for a handle that is not one (no link is better than a wrong one)."""
        handle = self.creator_handle.strip()
        if not re.fullmatch(r"@[A-Za-z0-9._]{2,24}", handle):
            return ""
        return f"https://www.tiktok.com/{handle}"

    @property
    def creator_name_differs(self) -> bool:
        """Show the display name only where it says more than the handle."""
        plain = self.creator_handle.strip().lstrip("@").casefold()
        return bool(self.creator_name) and self.creator_name.casefold() != plain

    @property
    def tips_list(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.tips.splitlines() if line.strip()]

    def _ready_video(self):
        video = self.video
        if video is not None and video.is_ready:
            return video
        return None

    @property
    def video_url(self) -> str:
        video = self._ready_video()
        return video.video_url if video else ""

    @property
    def stream_url(self) -> str:
        video = self._ready_video()
        return video.stream_url if video else ""

    @property
    def stream_warm_urls(self) -> list[str]:
        video = self._ready_video()
        return video.stream_warm_urls if video else []

    @property
    def poster_url(self) -> str:
        video = self._ready_video()
        return video.poster_url if video else ""

    @property
    def duration(self) -> float | None:
        video = self._ready_video()
        return video.duration if video else None


def _language_choices():
    return settings.LANGUAGES


class Caption(models.Model):
    """One WebVTT file for one episode in one language."""

    episode = models.ForeignKey(
        Episode,
        verbose_name=_("episode"),
        on_delete=models.CASCADE,
        related_name="captions",
    )
    language = models.CharField(_("language"), max_length=8, choices=_language_choices)
    text = models.TextField(
        _("WebVTT"),
        validators=[validate_webvtt],
        help_text=_("The content of a .vtt file; or upload one instead."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("captions")
        verbose_name_plural = _("captions")
        ordering = ["episode", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "language"], name="one_caption_per_language"
            )
        ]

    def __str__(self):
        return f"{self.episode} [{self.language}]"

    def get_absolute_url(self):
        return reverse(
            "stories:captions",
            kwargs={"slug": self.episode.slug, "language": self.language},
        )


class Teaser(models.Model):
    """The series teaser: a few seconds of each published episode in one muted,
    looping portrait MP4 (its Video), cut by videos/teaser.py from the `cuts`
    stories/teaser.py chose. `signature` hashes those cuts (which episodes, which
    videos, which seconds, in which order): the same episodes give the same
    signature, so a teaser is made once per state of the series and re-made only
    when that state changes (stories.services.teaser_refresh)."""

    signature = models.CharField(max_length=64, unique=True)
    video = models.OneToOneField(
        "videos.Video",
        on_delete=models.CASCADE,
        related_name="teaser",
    )
    # [{"episode": pk, "video": "<uuid>", "start": s, "end": s, "at": s}, ...]
    cuts = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("series teaser")
        verbose_name_plural = _("series teasers")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"teaser {self.signature[:12]}"
