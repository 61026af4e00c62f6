"""Writes for participants: the profile, and an under-13's account that is not kept
(only a keyed hash of its mailbox, for a while, so the age gate remembers)."""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.utils import timezone

from ..ages import Eligibility, eligibility
from ..errors import TooYoung, UnclearMailbox
from ..mailboxes import mailbox_key
from ..models import AgeGateRefusal, Participant
from ..selectors.participants import verified_addresses

# The browser's memory of a refusal: a signed cookie, for AGE_GATE_MEMORY_DAYS.
AGE_GATE_COOKIE = "kh_age_gate"
AGE_GATE_SALT = "challenge.age-gate"


def _mailbox_hash(address: str) -> str:
    try:
        key = mailbox_key(address)
    except UnclearMailbox:  # an account address from before the rules
        key = address.strip().casefold()
    return hmac.new(
        settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256
    ).hexdigest()


def age_gate_remembers(*, user) -> bool:
    """Was one of this account's verified mailboxes turned away as under 13
    recently (in any spelling of the address)?"""
    since = timezone.now() - dt.timedelta(days=settings.AGE_GATE_MEMORY_DAYS)
    hashes = {_mailbox_hash(address) for address in verified_addresses(user)}
    return AgeGateRefusal.objects.filter(
        mailbox_hash__in=hashes, refused_at__gte=since
    ).exists()


def age_gate_forget_expired(*, now=None) -> int:
    """Delete the refusals older than AGE_GATE_MEMORY_DAYS (the retention sweep)."""
    now = now or timezone.now()
    before = now - dt.timedelta(days=settings.AGE_GATE_MEMORY_DAYS)
    deleted, _rows = AgeGateRefusal.objects.filter(refused_at__lt=before).delete()
    return deleted


def participant_create(
    *,
    user,
    handle: str,
    birth_year: int,
    birth_month: int,
    country: str,
    language: str,
) -> Participant:
    """Create the profile, or raise TooYoung without storing anything."""
    if (
        eligibility(birth_year=birth_year, birth_month=birth_month, country=country)
        == Eligibility.TOO_YOUNG
    ):
        raise TooYoung()
    return Participant.objects.create(
        user=user,
        handle=handle,
        birth_year=birth_year,
        birth_month=birth_month,
        country=country,
        language=language,
    )


def participant_update(*, participant: Participant, handle: str) -> Participant:
    participant.handle = handle
    participant.full_clean(exclude=["user"])
    participant.save(update_fields=["handle"])
    return participant


def account_delete_under_age(*, user) -> None:
    """An under-13 signing up: we keep nothing, not even the account; only a keyed
    hash of each of its verified mailboxes, so the same mailbox cannot try again at
    once. Unverified ones are not theirs to speak for: remembering them would let
    anyone shut a stranger's address out (and delete that person's account the day
    they confirm it)."""
    if Participant.objects.filter(user=user).exists():
        return  # never delete an existing participant's data this way
    now = timezone.now()
    for address in set(verified_addresses(user)):
        AgeGateRefusal.objects.update_or_create(
            mailbox_hash=_mailbox_hash(address), defaults={"refused_at": now}
        )
    user.delete()
