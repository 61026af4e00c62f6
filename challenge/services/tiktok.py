"""Writes for TikTok posts: the ownership code, adding a post as an entry, and the
daily re-check (docs/decisions.md, "TikTok posts in the challenge").

The same rules as an upload, by the same functions: `submission.check_can_submit`
(campaign live, daily limit, the guardian mail limit), `_daily_limit_lock` under the
participant's row lock, `submission.entry_create` (DRAFT and the guardian's mail for
a child under their country's age of digital consent, else on to review). TikTok is
read before any transaction; the poster is stored outside it (videos'
`video_poster_stored`) and deleted if no row records it.
"""

import datetime as dt
import logging
import random
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from videos.services import (
    StorageUnavailable,
    video_delete,
    video_poster_record,
    video_poster_stored,
)

from .. import tiktok
from ..ages import needs_guardian
from ..errors import ChallengeError, GuardianRequired, UploadNotStored
from ..models import CuratedTikTok, Entry, Participant, TikTokClaim, TikTokPost
from ..nudge import caption_hits
from ..selectors.gallery import gallery_changed, gallery_changed_on_commit
from ..states import TransitionNotAllowed, entry_transition
from . import submission
from .erasure import entry_erase
from .moderation.decisions import require_moderator

logger = logging.getLogger(__name__)

# No look-alikes (0/O, 1/I/L): a child copies it by hand from one screen to another.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 5
CLAIM_VALID = dt.timedelta(days=1)
# Entries in these states still hold their post: the same post cannot come twice.
LIVE_STATES = {
    Entry.State.DRAFT,
    Entry.State.UPLOADED,
    Entry.State.PROCESSING,
    Entry.State.PENDING_REVIEW,
    Entry.State.APPROVED,
    Entry.State.HIDDEN,
}


class TikTokCodeMissing(ChallengeError):
    code = "tiktok_code_missing"
    message = _(
        "We cannot see your code in this video’s description yet. Add it, save, and "
        "try again in a minute."
    )


class TikTokNotYours(ChallengeError):
    code = "tiktok_not_yours"
    message = _(
        "This video was posted by another TikTok account than the one you gave. You "
        "can only add your own videos."
    )


class TikTokHashtagMissing(ChallengeError):
    code = "tiktok_hashtag_missing"
    message = _("Your video’s description needs the hashtag #CreateKindness.")


class TikTokAlreadyAdded(ChallengeError):
    code = "tiktok_already_added"
    message = _("This TikTok video is already in the challenge.")


class TikTokNoCode(ChallengeError):
    code = "tiktok_no_code"
    message = _("Please ask for your code first: it shows that the video is yours.")


def _new_code() -> str:
    return "kh-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def tiktok_claim_open(*, participant: Participant) -> TikTokClaim | None:
    """The participant's code still valid and unused, if any."""
    return (
        TikTokClaim.objects.filter(
            participant=participant,
            used_at__isnull=True,
            created_at__gte=timezone.now() - CLAIM_VALID,
        )
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def tiktok_claim_start(*, participant: Participant, handle: str) -> TikTokClaim:
    """A fresh one-time code for the TikTok account `handle` (one open at a time:
    asking again replaces the old code)."""
    handle = handle.strip().lstrip("@")
    if not tiktok.HANDLE.match(handle):
        raise tiktok.TikTokLinkInvalid("handle")
    TikTokClaim.objects.filter(participant=participant, used_at__isnull=True).delete()
    for _attempt in range(5):
        code = _new_code()
        if not TikTokClaim.objects.filter(code=code).exists():
            return TikTokClaim.objects.create(
                participant=participant, code=code, handle=handle
            )
    raise ChallengeError()


def _post_live(post_id: str) -> bool:
    return TikTokPost.objects.filter(
        post_id=post_id, entry__state__in=LIVE_STATES
    ).exists()


def _next_check(now):
    # A day later, spread over the next hour and a half: checks never bunch up.
    return now + dt.timedelta(days=1, seconds=random.randint(0, 5400))  # noqa: S311


def entry_tiktok_add(
    *,
    participant: Participant,
    link: str,
    prompt: str,
    language: str,
    guardian_email: str = "",
) -> Entry:
    """Check the post through TikTok (the code, the hashtag, the author) and make it
    an entry, with its thumbnail as the poster. Raises a ChallengeError (a
    `tiktok.TikTokError` among them) with the participant's message; stores nothing
    then."""
    submission.check_can_submit(participant=participant)
    if needs_guardian(participant) and not guardian_email:
        raise GuardianRequired()
    claim = tiktok_claim_open(participant=participant)
    if claim is None:
        raise TikTokNoCode()
    post = tiktok.post_fetch(link)
    if post.handle.casefold() != claim.handle.casefold():
        raise TikTokNotYours()
    if not tiktok.title_has_code(post.title, claim.code):
        raise TikTokCodeMissing()
    if not tiktok.title_has_hashtag(post.title):
        raise TikTokHashtagMissing()
    if _post_live(post.post_id):
        raise TikTokAlreadyAdded()
    thumbnail = tiktok.thumbnail_fetch(post.thumbnail_url)
    # The code is the participant's, not part of their words: shown nowhere.
    # Room for the hashtag entry_create adds when the cut took it away.
    caption = _without_code(post.title, claim.code)[:1450]
    try:
        with video_poster_stored(
            poster=thumbnail.data, width=thumbnail.width, height=thumbnail.height
        ) as video:
            return _record(
                participant=participant,
                claim_id=claim.pk,
                post=post,
                video=video,
                caption=caption,
                prompt=prompt,
                language=language,
                guardian_email=guardian_email,
            )
    except StorageUnavailable as error:
        raise UploadNotStored() from error


def _without_code(title: str, code: str) -> str:
    return re.sub(rf"(?<!\w){re.escape(code)}(?!\w)", "", title, flags=re.I).strip()


@transaction.atomic
def _record(
    *, participant, claim_id, post, video, caption, prompt, language, guardian_email
):
    submission._daily_limit_lock(participant)
    claim = TikTokClaim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None or claim.used_at is not None:
        raise TikTokNoCode()  # spent by a request that came in at the same moment
    if _post_live(post.post_id):
        raise TikTokAlreadyAdded()
    video_poster_record(video=video)
    entry = submission.entry_create(
        participant=participant,
        video=video,
        caption=caption,
        prompt=prompt,
        language=language,
        guardian_email=guardian_email,
        watched_hits=caption_hits(caption),
    )
    now = timezone.now()
    TikTokPost.objects.create(
        entry=entry,
        post_id=post.post_id,
        handle=post.handle,
        checked_at=now,
        next_check_at=_next_check(now),
    )
    claim.used_at = now
    claim.save(update_fields=["used_at"])
    return entry


# --- Kept current -----------------------------------------------------------------

GONE = TikTokPost.Problem.GONE
PRIVATE = TikTokPost.Problem.PRIVATE
HASHTAG_LOST = TikTokPost.Problem.HASHTAG_LOST


def tiktok_recheck_due(*, now=None, limit: int = 200) -> dict:
    """Re-check the approved TikTok entries whose time has come (beat, hourly).
    Returns counts by outcome."""
    now = now or timezone.now()
    due = list(
        TikTokPost.objects.filter(
            entry__state=Entry.State.APPROVED, next_check_at__lte=now
        )
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in due:
        outcome = tiktok_recheck(post_pk=pk, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "later":
            # TikTok is down or odd: the rest stay due for the next run, instead of
            # each waiting out its own timeout now.
            break
    return counts


def tiktok_recheck(*, post_pk: int, now=None) -> str:
    """Ask TikTok about one approved post again. Deleted → withdrawn (its content
    erased); private or without #CreateKindness → hidden until a moderator looks;
    TikTok unreachable → nothing changes, tried again in an hour."""
    now = now or timezone.now()
    row = TikTokPost.objects.select_related("entry").get(pk=post_pk)
    try:
        post = tiktok.oembed_fetch(
            tiktok.PostLink(post_id=row.post_id, handle=row.handle)
        )
    except (tiktok.TikTokUnavailable, tiktok.TikTokBadAnswer):
        TikTokPost.objects.filter(pk=post_pk).update(
            next_check_at=now + dt.timedelta(hours=1)
        )
        return "later"
    except tiktok.TikTokPostNotFound:
        return _leave(row, to_state=Entry.State.WITHDRAWN, reason=GONE, now=now)
    except (tiktok.TikTokPostPrivate, tiktok.TikTokPhotoPost):
        return _leave(row, to_state=Entry.State.HIDDEN, reason=PRIVATE, now=now)
    except tiktok.TikTokThumbnailError:
        post = None
    if post is not None and not tiktok.title_has_hashtag(post.title):
        return _leave(row, to_state=Entry.State.HIDDEN, reason=HASHTAG_LOST, now=now)
    TikTokPost.objects.filter(pk=post_pk).update(
        checked_at=now, next_check_at=_next_check(now), last_problem=""
    )
    return "ok"


def _leave(row: TikTokPost, *, to_state: str, reason: str, now) -> str:
    with transaction.atomic():
        try:
            entry = entry_transition(
                entry_id=row.entry_id,
                to_state=to_state,
                reason=reason,
                expected_from={Entry.State.APPROVED},
            )
        except TransitionNotAllowed:
            return "moved"
        if to_state == Entry.State.WITHDRAWN:
            entry_erase(entry=entry)  # forgets the cached gallery pages itself
        else:
            gallery_changed_on_commit([entry.pk])
        TikTokPost.objects.filter(pk=row.pk).update(checked_at=now, last_problem=reason)
    return reason


# --- Staff curation -----------------------------------------------------------------


class TikTokNotCurated(ChallengeError):
    code = "tiktok_not_curated"
    message = _(
        "Only posts of the campaign’s account and the series’ creators can be added "
        "here."
    )


class TikTokAlreadyCurated(ChallengeError):
    code = "tiktok_already_curated"
    message = _("This TikTok post is already in the row.")


def curated_tiktok_add(*, link: str, actor, position: int = 0) -> CuratedTikTok:
    """A post of one of TIKTOK_CURATED_HANDLES, read through oEmbed (its author,
    never the link's handle, decides), with its thumbnail as the poster. Staff only."""
    require_moderator(actor)
    post = tiktok.post_fetch(link)
    allowed = {handle.casefold() for handle in settings.TIKTOK_CURATED_HANDLES}
    if post.handle.casefold() not in allowed:
        raise TikTokNotCurated()
    if CuratedTikTok.objects.filter(post_id=post.post_id).exists():
        raise TikTokAlreadyCurated()
    thumbnail = tiktok.thumbnail_fetch(post.thumbnail_url)
    now = timezone.now()
    try:
        with (
            video_poster_stored(
                poster=thumbnail.data, width=thumbnail.width, height=thumbnail.height
            ) as video,
            transaction.atomic(),
        ):
            if CuratedTikTok.objects.filter(post_id=post.post_id).exists():
                raise TikTokAlreadyCurated()
            video_poster_record(video=video)
            curated = CuratedTikTok.objects.create(
                post_id=post.post_id,
                handle=post.handle,
                author_name=post.author_name,
                description=post.title,
                video=video,
                position=position,
                added_by=actor,
                checked_at=now,
                next_check_at=_next_check(now),
            )
            transaction.on_commit(gallery_changed)
            return curated
    except StorageUnavailable as error:
        raise UploadNotStored() from error


@transaction.atomic
def curated_tiktok_remove(*, curated_id: int, actor) -> None:
    """Take a curated post off the site: the row goes, its poster becomes a
    tombstone (deleted after commit)."""
    require_moderator(actor)
    curated = CuratedTikTok.objects.select_for_update().filter(pk=curated_id).first()
    if curated is None:
        return
    video_id = curated.video_id
    curated.delete()
    video_delete(video_id=video_id)
    transaction.on_commit(gallery_changed)


def curated_tiktok_recheck_due(*, now=None, limit: int = 50) -> dict:
    """The shown curated posts due for their daily look: a post gone or private
    is no longer shown (staff may show it again); the hashtag is not asked of them."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    due = CuratedTikTok.objects.filter(is_shown=True, next_check_at__lte=now)
    for curated in due.order_by("next_check_at")[:limit]:
        try:
            tiktok.oembed_fetch(
                tiktok.PostLink(post_id=curated.post_id, handle=curated.handle)
            )
        except (tiktok.TikTokUnavailable, tiktok.TikTokBadAnswer):
            CuratedTikTok.objects.filter(pk=curated.pk).update(
                next_check_at=now + dt.timedelta(hours=1)
            )
            counts["later"] = counts.get("later", 0) + 1
            break
        except (tiktok.TikTokPostNotFound, tiktok.TikTokPostPrivate) as error:
            problem = GONE if isinstance(error, tiktok.TikTokPostNotFound) else PRIVATE
            CuratedTikTok.objects.filter(pk=curated.pk).update(
                is_shown=False, checked_at=now, last_problem=problem
            )
            transaction.on_commit(gallery_changed)
            counts[problem] = counts.get(problem, 0) + 1
            continue
        except tiktok.TikTokError:
            pass
        CuratedTikTok.objects.filter(pk=curated.pk).update(
            checked_at=now, next_check_at=_next_check(now), last_problem=""
        )
        counts["ok"] = counts.get("ok", 0) + 1
    return counts
