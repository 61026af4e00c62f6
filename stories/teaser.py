"""Which seconds of which episodes make the series teaser, when it must be re-made,
and its captions (no writes, no storage: stories.services.teaser_refresh does
those, videos/teaser.py cuts the video).

The rule, kept in one place:
- every published episode with a ready video, in series order, gives one cut;
- a cut is the episode's first TEASER_SECONDS_EACH seconds (a TikTok episode opens
  with its hook), and never reaches past REVEAL_GUARD of the episode: the creators
  reveal themselves at the end of their videos, and the teaser must not name them
  (its captions leave out every cue naming the creator, for the same reason);
- the signature of the cuts (episode, video, seconds, order, and TEASER_VERSION)
  says whether the teaser is current: a change of any of them (an episode published
  or unpublished, its video replaced, the episodes reordered) gives a new
  signature, and so a new teaser; anything else (a title, a synopsis, a caption's
  wording) does not cost a re-encode. Captions are built from the episodes' own
  cues when asked for, so an edited caption shows at once.
"""

import hashlib
import json
import re
from dataclasses import asdict, dataclass

from videos.teaser import TEASER_FPS, part_frames

from .webvtt import MIN_SCREEN_MS, Cue

# Bump when the rule below changes: every teaser is then re-made once.
TEASER_VERSION = 1
TEASER_SECONDS_EACH = 3.0
REVEAL_GUARD = 0.6
# A cut shorter than this says nothing (a very short episode is left out).
MIN_CUT_SECONDS = 1.0


@dataclass(frozen=True)
class Cut:
    episode: int
    video: str
    start: float
    end: float
    at: float  # where the cut starts on the teaser's timeline


def teaser_cuts(episodes) -> list[Cut]:
    """The cuts of `episodes` (published, in series order), each placed after the
    previous one on the teaser's timeline (whole frames, as the video counts)."""
    cuts = []
    at_frames = 0
    for episode in episodes:
        video = episode.video
        if video is None or not video.is_ready or not video.duration:
            continue
        end = round(min(TEASER_SECONDS_EACH, video.duration * REVEAL_GUARD), 3)
        if end < MIN_CUT_SECONDS:
            continue
        cuts.append(
            Cut(
                episode=episode.pk,
                video=str(video.pk),
                start=0.0,
                end=end,
                at=round(at_frames / TEASER_FPS, 3),
            )
        )
        at_frames += part_frames(0.0, end)
    return cuts


def teaser_signature(cuts: list[Cut]) -> str:
    data = {"version": TEASER_VERSION, "cuts": [asdict(cut) for cut in cuts]}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def cuts_from_json(data) -> list[Cut]:
    return [Cut(**item) for item in data or []]


def cuts_to_json(cuts: list[Cut]) -> list[dict]:
    return [asdict(cut) for cut in cuts]


def names_creator(text: str, *, handle: str, name: str = "") -> bool:
    """Whether a caption names the creator: their handle, with or without the @,
    or their display name, as a whole word, in any case."""
    words = {handle.strip().lstrip("@"), name.strip()}
    for word in filter(None, words):
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            return True
    return False


def teaser_cues(cuts: list[Cut], cues_by_episode: dict, creators: dict) -> list:
    """The teaser's (start, end, text) cues: each episode's own cues over its cut,
    clipped to it and shifted to the teaser's timeline. Left out: cues naming the
    creator (`creators`: episode pk -> (handle, name)), and what a cut leaves of a
    cue for less than the shortest screen (it would only flash by)."""
    found = []
    for cut in cuts:
        length = part_frames(cut.start, cut.end) / TEASER_FPS
        stop = cut.start + length
        handle, name = creators.get(cut.episode, ("", ""))
        cue: Cue
        for cue in cues_by_episode.get(cut.episode, []):
            start, end = max(cue.start, cut.start), min(cue.end, stop)
            if end - start < MIN_SCREEN_MS / 1000:
                continue
            if handle and names_creator(cue.text, handle=handle, name=name):
                continue
            found.append(
                (
                    round(cut.at + start - cut.start, 3),
                    round(cut.at + end - cut.start, 3),
                    cue.text,
                )
            )
    return found
