"""The challenge in Django admin, one module per page family; Django's admin
autodiscovery imports this package, which registers them all."""

from . import audit, entries, notes, nudge, participants, reports, tiktok

__all__ = [
    "audit",
    "entries",
    "notes",
    "nudge",
    "participants",
    "reports",
    "tiktok",
]
