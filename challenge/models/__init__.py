"""The challenge's models, one module per concern (same app label, same tables)."""

from .choices import NudgeOutcome, Prompt, RejectReason, ReportReason
from .devices import DeviceSighting
from .entries import Entry, EntryEvent
from .gallery import Heart, Report
from .notes import (
    Note,
    NoteBlock,
    NoteDigest,
    NoteEvent,
    NoteNudge,
    NoteReport,
    NoteSettings,
)
from .notices import GuardianNotice, ModerationNotice
from .nudge import Nudge, WatchedWord
from .participants import (
    HANDLE_VALIDATOR,
    AgeGateRefusal,
    GuardianConsent,
    Participant,
)
from .tiktok import CuratedTikTok, TikTokClaim, TikTokPost
from .uploads import ResumableUpload

__all__ = [
    "AgeGateRefusal",
    "CuratedTikTok",
    "DeviceSighting",
    "HANDLE_VALIDATOR",
    "Entry",
    "EntryEvent",
    "GuardianConsent",
    "GuardianNotice",
    "Heart",
    "ModerationNotice",
    "Note",
    "NoteBlock",
    "NoteDigest",
    "NoteEvent",
    "NoteNudge",
    "NoteReport",
    "NoteSettings",
    "Nudge",
    "NudgeOutcome",
    "Participant",
    "Prompt",
    "RejectReason",
    "Report",
    "ReportReason",
    "ResumableUpload",
    "TikTokClaim",
    "TikTokPost",
    "WatchedWord",
]
