"""May this file be seen? The challenge's read-only answers to the video pipeline
(registered with videos.owners.register_owner in ChallengeConfig.ready): which of
an entry's or a nudge's files are public, who else may fetch them, and whether the
original upload is kept. Every public poster and video asks, so each answer is one
or two queries and writes nothing.
"""

from django.db.models import Exists, OuterRef

from videos.owners import TOP_DROP, TOP_MAKE, TOP_WAIT

from ..models import CuratedTikTok, Entry, Nudge
from ..services.claims import can_moderate
from .gallery import public_entries


def _video_owner(video) -> tuple[Entry | None, Nudge | None]:
    entry = Entry.objects.filter(video_id=video.pk).select_related("participant")
    entry = entry.first()
    if entry is not None:
        return entry, None
    nudge = Nudge.objects.filter(video_id=video.pk).select_related("participant")
    return None, nudge.first()


def entry_video_access(video, user, kind: str) -> bool | None:
    """The video pipeline's may_view hook: an entry's files that are not public are
    for its participant (until withdrawn) and for moderators; its original upload is
    for nobody (it is deleted once processed). A curated TikTok post's poster that
    is not shown is for moderators."""
    entry, nudge = _video_owner(video)
    if entry is None and nudge is None:
        if video.plays_elsewhere and _curated(video):
            return kind == "poster" and can_moderate(user)
        return None
    if kind == "original" or not user.is_authenticated:
        return False
    if can_moderate(user):
        return True
    held = entry or nudge
    return held.participant.user_id == user.pk and (
        entry is None or entry.state != Entry.State.WITHDRAWN
    )


def entry_video_keeps_source(video) -> bool | None:
    """The video pipeline's keeps_source hook: an entry's original upload is not
    kept once its processed file exists."""
    entry, nudge = _video_owner(video)
    if entry is None and nudge is None:
        return False if video.plays_elsewhere and _curated(video) else None
    return False


def entry_video_is_public(video) -> bool | None:
    """The video pipeline's is_public hook: only public entries' videos are. One
    query (every public poster and video asks): None when no entry has the video."""
    public = (
        Entry.objects.filter(video_id=video.pk)
        .annotate(public=Exists(public_entries().filter(pk=OuterRef("pk"))))
        .values_list("public", flat=True)
        .first()
    )
    if public is None and video.plays_elsewhere:
        # A post from the series' accounts, chosen by staff (CuratedTikTok).
        shown = CuratedTikTok.objects.filter(video_id=video.pk)
        return shown.values_list("is_shown", flat=True).first()
    return public


def _curated(video) -> bool:
    return CuratedTikTok.objects.filter(video_id=video.pk).exists()


def entry_video_review_first(video) -> bool | None:
    """The video pipeline's review_first hook: a participant's video (an entry's,
    or one held at the kindness prompt) is made as a review copy first; the top
    rung waits for the moderators' decision (docs/decisions.md)."""
    entry, nudge = _video_owner(video)
    return None if entry is None and nudge is None else True


# What an entry in each state wants of its video's top rung: public or about to be
# again (hidden entries are mostly restored) gets it; an entry that can no longer
# become public releases its original; the rest wait for a decision.
TOP_RUNG_BY_STATE = {
    Entry.State.APPROVED: TOP_MAKE,
    Entry.State.HIDDEN: TOP_MAKE,
    Entry.State.REJECTED: TOP_DROP,
    Entry.State.FAILED: TOP_DROP,
    Entry.State.WITHDRAWN: TOP_DROP,
}


def entry_video_top_rung(video) -> str | None:
    """The video pipeline's top_rung hook (asked under the video's row lock: one
    read, no lock taken)."""
    entry, nudge = _video_owner(video)
    if entry is None:
        return None if nudge is None else TOP_WAIT
    return TOP_RUNG_BY_STATE.get(entry.state, TOP_WAIT)
