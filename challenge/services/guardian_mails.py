"""Every mail the site sends to a parent or guardian because a participant asked
(an entry's consent mail and its resends, the notes request and its resends) counts
against one limit per participant, whatever the address.

A limit per address would let a participant who alternates two addresses send a
stranger a mail every time the address changes; per participant, nobody can use the
site to flood anyone's inbox. The counts live where every other limit of the site
lives (allauth's limiter, ACCOUNT_RATE_LIMITS["guardian_mail"], in the cache).
"""

from core.ratelimit import limit_key_consume

from ..errors import GuardianMailLimit
from ..models import Participant

ACTION = "guardian_mail"


def _key(participant: Participant) -> str:
    return f"participant:{participant.pk}"


def guardian_mail_check(*, participant: Participant) -> None:
    """Raise GuardianMailLimit when one more mail would be over the limit; counts
    nothing (an early answer, before an upload is read)."""
    if not limit_key_consume(action=ACTION, key=_key(participant), dry_run=True):
        raise GuardianMailLimit()


def guardian_mail_count(*, participant: Participant) -> None:
    """Count one mail to a guardian for `participant`, or raise GuardianMailLimit.

    Call it last, once every other rule has let the mail through, inside the
    transaction that schedules the mail: a refusal rolls the request back.
    """
    if not limit_key_consume(action=ACTION, key=_key(participant)):
        raise GuardianMailLimit()
