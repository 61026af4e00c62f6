"""A resumable (tus) upload on its way in: who sends it, how long it is, how much
has arrived. The bytes are kept by videos.resumable (a part file of their own, and
with object storage the parts of a multipart upload); this row is its ledger."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResumableUpload(models.Model):
    """One file sent in pieces with the tus protocol.

    `offset` only ever counts bytes that are flushed to disk (fsync) before the row
    is updated, so a crash never claims bytes the file does not have. The row and
    its file go when the upload becomes an entry, is cancelled, or expires.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participant = models.ForeignKey(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="resumable_uploads",
        verbose_name=_("participant"),
    )
    length = models.BigIntegerField(_("declared size (bytes)"))
    offset = models.BigIntegerField(_("bytes received"), default=0)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    filetype = models.CharField(_("file type"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # With object storage (videos.multipart): the bucket's multipart upload, the
    # ETags of the parts already there, and the bytes they hold. The file on the web
    # server's disk then holds only bytes stored_bytes..offset (under one part).
    multipart_id = models.CharField(max_length=1024, blank=True, editable=False)
    part_etags = models.JSONField(default=list, blank=True, editable=False)
    stored_bytes = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("resumable upload")
        verbose_name_plural = _("resumable uploads")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__gte=0)
                & models.Q(offset__lte=models.F("length")),
                name="resumable_upload_offset_in_range",
            )
        ]

    def __str__(self):
        return f"{self.filename or self.pk} ({self.offset}/{self.length})"

    @property
    def is_complete(self) -> bool:
        return self.offset == self.length
