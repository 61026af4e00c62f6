"""Writes for participants: the profile, and an under-13's account that is not kept."""

from ..ages import Eligibility, eligibility
from ..errors import TooYoung
from ..models import Participant


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
    """An under-13 signing up: we keep nothing, not even the account."""
    if Participant.objects.filter(user=user).exists():
        return  # never delete an existing participant's data this way
    user.delete()
