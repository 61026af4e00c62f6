"""How a guardian's consent was given, as the moderators see it (the desk, the review
page, the queue's badges) and as bulk approval checks it: when it was asked and
answered, from which kind of device, and the flags that call for a look of its own.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..models import Entry, GuardianConsent

FLAG_LABELS = {
    "device": _("The participant's own browser tried to answer first (refused)"),
    "network": _("Answered from a network the participant logged in or uploaded from"),
    "quick": _("Answered within seconds of the request"),
}


@dataclass(frozen=True)
class ConsentRecord:
    decision: str
    asked_at: datetime
    answered_at: datetime | None
    seconds: int | None
    answered_after: str
    device: str
    flags: tuple[tuple[str, str], ...]


def _answer_seconds(consent: GuardianConsent) -> int | None:
    if consent.decided_at is None:
        return None
    return max(0, int((consent.decided_at - consent.requested_at).total_seconds()))


def _after(consent: GuardianConsent, seconds: int | None) -> str:
    """ "12 seconds", "3 hours, 5 minutes": how long the answer took after the mail."""
    if seconds is None:
        return ""
    if seconds < 60:
        return ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds}
    return timesince(consent.requested_at, consent.decided_at)


def consent_flags(consent: GuardianConsent) -> list[str]:
    """What makes this consent worth a look of its own: the participant's browser
    tried to answer, the answer came from a network the participant used, or it came
    within GUARDIAN_QUICK_ANSWER_SECONDS of the mail. Never approved in bulk."""
    flags = []
    if consent.participant_tried_at is not None:
        flags.append("device")
    if consent.from_participant_network:
        flags.append("network")
    seconds = _answer_seconds(consent)
    if seconds is not None and seconds < settings.GUARDIAN_QUICK_ANSWER_SECONDS:
        flags.append("quick")
    return flags


def consent_record(entry: Entry) -> ConsentRecord | None:
    """The entry's guardian consent as the moderators see it; None without one."""
    consent = GuardianConsent.objects.filter(entry=entry).first()
    if consent is None:
        return None
    seconds = _answer_seconds(consent)
    return ConsentRecord(
        decision=consent.get_decision_display(),
        asked_at=consent.requested_at,
        answered_at=consent.decided_at,
        seconds=seconds,
        answered_after=_after(consent, seconds),
        device=(
            consent.get_answered_device_display()
            if consent.answered_device
            else gettext("not recorded")
        ),
        flags=tuple((code, FLAG_LABELS[code]) for code in consent_flags(consent)),
    )


def entries_with_flagged_consent(entry_ids) -> set[int]:
    """Of these entries, those whose guardian consent carries a flag."""
    consents = GuardianConsent.objects.filter(entry_id__in=list(entry_ids)).only(
        "entry_id",
        "requested_at",
        "decided_at",
        "participant_tried_at",
        "from_participant_network",
    )
    return {consent.entry_id for consent in consents if consent_flags(consent)}
