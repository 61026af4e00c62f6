"""Entry events in words for the people reading them, for the audit log and an
entry's history: recorded reasons by what they mean (states by their labels:
`models.entries.state_label`)."""

from django.utils.translation import gettext_lazy as _

from ..models import Entry, EntryEvent, RejectReason, TikTokPost

# What each recorded reason means, for people reading the log (the CSV keeps the codes).
EVENT_LABELS = {
    "handed_over": _("Handed to the video pipeline"),
    "video_ready": _("Video ready"),
    "guardian_confirmed": _("Guardian agreed"),
    "guardian_refused": _("Guardian refused"),
    "guardian_revoked": _("Guardian withdrew consent"),
    "guardian_no_answer": _("No answer from the guardian"),
    "withdrawn_by_participant": _("Withdrawn by the participant"),
    "account_deleted": _("Account deleted"),
    "deletion_replayed": _("Deleted again after a restore from a backup"),
    "reports": _("Hidden after reports"),
    "moderator": _("Hidden by a moderator"),
    "restored": _("Restored to the gallery"),
    "undo": _("Decision undone"),
    **dict(RejectReason.choices),
    **dict(TikTokPost.Problem.choices),
}


def event_label(event: EntryEvent) -> str:
    if event.reason in EVENT_LABELS:
        return EVENT_LABELS[event.reason]
    if not event.from_state:
        return _("Uploaded")
    if event.to_state == Entry.State.APPROVED and event.actor_id:
        return _("Approved")
    return event.reason or "—"
