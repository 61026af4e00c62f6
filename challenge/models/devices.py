"""Where a participant was seen: the devices and networks they sign in and upload
from, so that a guardian's answer can be told apart from their own."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceSighting(models.Model):
    """One device and network a participant under the age of digital consent signed
    in or uploaded from.

    `device_id` is the random id the browser's device cookie holds for this
    participant (one id per participant and browser, so the site never learns which
    accounts share a family computer); `network_hash` is a keyed hash of the network
    (challenge.devices.network_hash), never the address. Kept RETENTION_CONSENT_DAYS
    after it was last seen (the retention sweep), and deleted with the account.
    """

    participant = models.ForeignKey(
        "challenge.Participant",
        on_delete=models.CASCADE,
        related_name="sightings",
        verbose_name=_("participant"),
    )
    device_id = models.CharField(max_length=32)
    network_hash = models.CharField(max_length=64, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("device sighting")
        verbose_name_plural = _("device sightings")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "device_id", "network_hash"],
                name="device_sighting_once",
            )
        ]
        indexes = [models.Index(fields=["participant", "network_hash"])]

    def __str__(self):
        return f"{self.participant_id}: {self.device_id[:6]}… {self.last_seen:%Y-%m-%d}"
