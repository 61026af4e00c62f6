"""The participant's devices: remembered when they sign in or upload, so that their
own browser cannot answer for their guardian, even once logged out.

The browser keeps a signed, long-lived, HttpOnly cookie (views/devices.py) that maps
each participant who used it to a random device id of their own; this module records
where a participant was seen (DeviceSighting) and answers whether a browser or a
network is one of theirs. Only participants who need a guardian's consent are
recorded: nobody else's answer is ever compared.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..ages import needs_guardian
from ..devices import network_hash
from ..models import DeviceSighting, Participant

DEVICE_COOKIE = "kh_device"
DEVICE_SALT = "challenge.device"
# A family computer is shared by a few children; beyond this the oldest is dropped
# (the cookie stays small, and a dropped child is still flagged by their network).
DEVICE_COOKIE_PARTICIPANTS = 8


def device_cookie_max_age() -> int:
    """The cookie lives as long as a sighting is kept."""
    return settings.RETENTION_CONSENT_DAYS * 24 * 3600


def device_ids_parse(value: str | None) -> dict[int, str]:
    """The cookie's (already verified) value, "12.<id>|15.<id>", as {participant id:
    device id}; {} for anything malformed."""
    try:
        pairs = (pair.split(".", 1) for pair in (value or "").split("|") if pair)
        return {int(pk): device for pk, device in pairs if device}
    except ValueError:
        return {}


def device_ids_format(device_ids: dict[int, str]) -> str:
    """Characters a cookie takes as they are (no quoting): ids are URL-safe base64."""
    return "|".join(f"{pk}.{device}" for pk, device in device_ids.items())


def device_sighting_record(
    *, participant: Participant, device_ids: dict[int, str], address: str, now=None
) -> dict[int, str] | None:
    """Remember that this participant signed in or uploaded from this browser and
    network. Returns the browser's new mapping for the cookie (this participant's
    device id, a new random one the first time, moved to the end), or None when
    nothing is to be remembered (the participant needs no guardian)."""
    if not needs_guardian(participant):
        return None
    now = now or timezone.now()
    device_ids = {pk: d for pk, d in device_ids.items() if pk != participant.pk} | {
        participant.pk: device_ids.get(participant.pk) or secrets.token_urlsafe(16)
    }
    device_ids = dict(list(device_ids.items())[-DEVICE_COOKIE_PARTICIPANTS:])
    key = {
        "participant": participant,
        "device_id": device_ids[participant.pk],
        "network_hash": network_hash(address),
    }
    updated = DeviceSighting.objects.filter(**key).update(last_seen=now)
    if not updated:
        try:
            with transaction.atomic():
                DeviceSighting.objects.create(**key, last_seen=now)
        except IntegrityError:  # the same browser, twice at once
            DeviceSighting.objects.filter(**key).update(last_seen=now)
    return device_ids


def is_participants_device(*, participant_id: int, device_ids: dict[int, str]) -> bool:
    """The browser's cookie names this participant, with a device id they were
    seen with. Another child's name in the cookie (a shared family computer) does
    not count."""
    device_id = device_ids.get(participant_id)
    return bool(
        device_id
        and DeviceSighting.objects.filter(
            participant_id=participant_id, device_id=device_id
        ).exists()
    )


def is_participants_network(*, participant_id: int, network: str) -> bool:
    """The participant signed in or uploaded from this network (a keyed hash). Only
    a flag: a family shares its home network with the guardian."""
    return bool(
        network
        and DeviceSighting.objects.filter(
            participant_id=participant_id, network_hash=network
        ).exists()
    )


def sightings_forget_expired(*, now=None) -> int:
    """Delete sightings not seen for RETENTION_CONSENT_DAYS (the retention sweep)."""
    before = (now or timezone.now()) - dt.timedelta(
        days=settings.RETENTION_CONSENT_DAYS
    )
    deleted, _rows = DeviceSighting.objects.filter(last_seen__lt=before).delete()
    return deleted
