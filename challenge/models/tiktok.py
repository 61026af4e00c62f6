"""TikTok posts in the challenge: the one-time ownership code and the post an entry
shows (docs/decisions.md, "TikTok posts in the challenge")."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TikTokClaim(models.Model):
    """A one-time code a participant puts in their post's description, to show the
    post is theirs. Spent (`used_at`) in the transaction that makes the entry."""

    participant = models.ForeignKey(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="tiktok_claims",
        verbose_name=_("participant"),
    )
    code = models.CharField(_("code"), max_length=12, unique=True)
    # The TikTok account the participant says is theirs: the post's author must be it.
    handle = models.CharField(_("TikTok account"), max_length=24)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("TikTok code")
        verbose_name_plural = _("TikTok codes")
        ordering = ["-created_at"]

    def __str__(self):
        return self.code


class TikTokPost(models.Model):
    """The TikTok post an entry shows: what TikTok said about it, last checked when.

    The entry's video is a `plays_elsewhere` Video holding the re-encoded thumbnail
    as its poster; the entry's caption is the post's description."""

    class Problem(models.TextChoices):
        """Why the daily check took a post out of the gallery (the event's reason),
        in words for the participant."""

        GONE = "tiktok_gone", _("The video is no longer on TikTok.")
        PRIVATE = (
            "tiktok_private",
            _("The video is no longer public on TikTok, so it left our gallery."),
        )
        HASHTAG_LOST = (
            "tiktok_hashtag_lost",
            _("The video’s description no longer has #CreateKindness."),
        )

    entry = models.OneToOneField(
        "challenge.Entry",
        on_delete=models.CASCADE,
        related_name="tiktok",
        verbose_name=_("entry"),
    )
    post_id = models.CharField(_("TikTok post id"), max_length=25, db_index=True)
    handle = models.CharField(_("TikTok account"), max_length=24)
    checked_at = models.DateTimeField(_("last checked"))
    next_check_at = models.DateTimeField(_("next check"), db_index=True)
    last_problem = models.CharField(_("last problem"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("TikTok post")
        verbose_name_plural = _("TikTok posts")

    def __str__(self):
        return f"@{self.handle}/{self.post_id}"

    @property
    def url(self) -> str:
        return f"https://www.tiktok.com/@{self.handle}/video/{self.post_id}"

    @property
    def player_url(self) -> str:
        return f"https://www.tiktok.com/player/v1/{self.post_id}"


class CuratedTikTok(models.Model):
    """A post staff chose from the campaign's own TikTok account or the series'
    creators (TIKTOK_CURATED_HANDLES): shown in a row of its own with the account's
    handle, never as a participant's entry (no hearts, reports or notes). Its poster
    is a `plays_elsewhere` Video, like a TikTok entry's."""

    post_id = models.CharField(_("TikTok post id"), max_length=25, unique=True)
    handle = models.CharField(_("TikTok account"), max_length=24)
    author_name = models.CharField(_("account name"), max_length=100, blank=True)
    description = models.TextField(_("description on TikTok"), blank=True)
    video = models.OneToOneField(
        "videos.Video",
        on_delete=models.PROTECT,
        related_name="curated_tiktok",
        verbose_name=_("poster"),
    )
    is_shown = models.BooleanField(_("shown in the gallery"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    checked_at = models.DateTimeField(_("last checked"))
    next_check_at = models.DateTimeField(_("next check"), db_index=True)
    last_problem = models.CharField(_("last problem"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("TikTok post from the series")
        verbose_name_plural = _("TikTok posts from the series")
        ordering = ["position", "-added_at"]

    def __str__(self):
        return f"@{self.handle}/{self.post_id}"

    @property
    def url(self) -> str:
        return f"https://www.tiktok.com/@{self.handle}/video/{self.post_id}"

    @property
    def player_url(self) -> str:
        return f"https://www.tiktok.com/player/v1/{self.post_id}"
