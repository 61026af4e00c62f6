import uuid

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from core.reversing import reverse_pk
from videos.failures import failure_reason
from videos.pipeline import HLS_INIT, HLS_PLAYLIST


class _PrivateStorage(LazyObject):
    """`storages["private"]`, looked up on first use (local disk or a private S3
    bucket, by settings). File fields hold this proxy rather than a storage made at
    import time, so every piece of code reaches the same storage."""

    def _setup(self):
        self._wrapped = storages["private"]


_private = _PrivateStorage()


@receiver(setting_changed)
def _forget_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":  # tests switch to object storage this way
        _private._wrapped = empty


def private_storage():
    return _private


def _source_path(video, filename):
    return f"videos/{video.pk}/source"


def _output_path(video, filename):
    return f"videos/{video.pk}/video.mp4"


def _poster_path(video, filename):
    return f"videos/{video.pk}/poster.webp"


def _stream_path(video, filename):
    return f"videos/{video.pk}/hls/master.m3u8"


class Video(models.Model):
    """One uploaded video and what the pipeline made of it.

    Every file lives in private storage; public access goes through
    videos.views, which asks the owner (an episode or an entry) whether it is public.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be processed")
        # A tombstone: the video was deleted (withdrawn, refused, cancelled, kept
        # past its retention, its account closed). Set under the row lock by
        # videos.services.video_delete; nothing is served, a worker that finishes
        # later deletes what it wrote, and the sweep removes the row once its files
        # are gone and nothing points at it.
        DELETED = "deleted", _("Deleted")

    class TopRung(models.TextChoices):
        """The top rung (and the MP4 at its size) of a video processed as a review
        copy first (videos.services.video_process, docs/decisions.md "A review copy
        first"). The original is kept while the top rung may still be made."""

        WHOLE = "", _("made with the ladder")
        WAITING = "waiting", _("waiting for a decision")
        QUEUED = "queued", _("queued")
        MAKING = "making", _("being made")
        FAILED = "failed", _("could not be made")
        DROPPED = "dropped", _("not needed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    source = models.FileField(
        _("original file"),
        storage=private_storage,
        upload_to=_source_path,
        max_length=255,
        blank=True,
    )
    original_name = models.CharField(
        _("original file name"), max_length=255, blank=True
    )
    source_size = models.BigIntegerField(
        _("original size (bytes)"), null=True, blank=True
    )
    output = models.FileField(
        _("processed video"),
        storage=private_storage,
        upload_to=_output_path,
        max_length=255,
        blank=True,
    )
    output_size = models.BigIntegerField(
        _("processed size (bytes)"), null=True, blank=True
    )
    poster = models.FileField(
        _("poster"),
        storage=private_storage,
        upload_to=_poster_path,
        max_length=255,
        blank=True,
    )
    stream = models.FileField(
        _("streaming playlist (HLS)"),
        storage=private_storage,
        upload_to=_stream_path,
        max_length=255,
        blank=True,
    )
    ladder = models.JSONField(
        _("streaming ladder"),
        default=list,
        blank=True,
        help_text=_("One entry per rung: name, size, bandwidth, segments."),
    )
    # A video that plays on another site (a post embedded from there): only its
    # poster is kept here, it is ready from the start and never processed.
    plays_elsewhere = models.BooleanField(_("plays on another site"), default=False)
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    probe = models.JSONField(_("probe data"), default=dict, blank=True)
    failure_code = models.CharField(_("failure code"), max_length=40, blank=True)
    failure_params = models.JSONField(default=dict, blank=True)
    failure_detail = models.TextField(_("technical detail (staff only)"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    top_rung = models.CharField(
        _("top rung"),
        max_length=8,
        choices=TopRung.choices,
        default=TopRung.WHOLE,
        blank=True,
    )
    top_requested_at = models.DateTimeField(null=True, blank=True)
    top_started_at = models.DateTimeField(null=True, blank=True)
    top_attempts = models.PositiveSmallIntegerField(_("top rung attempts"), default=0)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    # When the tombstone sweep found no file left under videos/<id>/ (after every
    # worker that could still write had stopped): it is not listed again.
    files_deleted_at = models.DateTimeField(
        _("files deleted at"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        ordering = ["-created_at"]
        permissions = [
            ("reprocess_video", _("Can send a video through the pipeline again"))
        ]
        # The queue: what is waiting, oldest first (videos.selectors.videos_ahead).
        indexes = [models.Index(fields=["status", "created_at"], name="video_queue")]

    def __str__(self):
        return f"{self.original_name or self.pk} ({self.get_status_display()})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.output)

    @property
    def top_rung_pending(self) -> bool:
        """A review copy whose top rung is still to come (waiting, queued, making)."""
        return self.top_rung in (
            self.TopRung.WAITING,
            self.TopRung.QUEUED,
            self.TopRung.MAKING,
        )

    @property
    def failure_reason(self) -> str:
        """Why processing failed, for the participant, in the active language."""
        if self.status != self.Status.FAILED:
            return ""
        return failure_reason(self.failure_code, self.failure_params)

    @property
    def video_url(self) -> str:
        if self.plays_elsewhere:
            return ""
        return media_url(self.pk, "video")

    @property
    def poster_url(self) -> str:
        if not self.poster:
            return ""
        return media_url(self.pk, "poster")

    @property
    def stream_url(self) -> str:
        """The HLS master playlist, or "" for a video made before the ladder."""
        if not self.stream:
            return ""
        return media_url(self.pk, "stream")

    @property
    def stream_warm_urls(self) -> list[str]:
        """What hls.js asks for before the first segment, in order: the master
        playlist, then the lowest rung's playlist and init segment (static/js/
        stream.js starts there). Not the segment itself: a player that finds it in
        a cache measures an absurd bandwidth and jumps to the top rung."""
        if not self.stream or not self.ladder:
            return []
        lowest = min(self.ladder, key=lambda rung: rung.get("bandwidth", 0))
        folder = f"{self.stream_url.rsplit('/', 1)[0]}/{lowest['name']}"
        return [self.stream_url, f"{folder}/{HLS_PLAYLIST}", f"{folder}/{HLS_INIT}"]

    @property
    def rung_names(self) -> set:
        return {rung.get("name") for rung in self.ladder or []}

    @property
    def original_url(self) -> str:
        return media_url(self.pk, "original")


def media_url(pk, name: str) -> str:
    """The checked view's URL for one of a video's files ("video", "poster",
    "original"). Reversed once per name (a gallery page needs fifty of these), then
    formatted (core.reversing)."""
    return reverse_pk(f"videos:{name}", pk)
