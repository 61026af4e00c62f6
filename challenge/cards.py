"""An entry's share card (core/cards.py draws it): its poster, the participant's
handle and caption as the entry's page shows them, and "demo" for a demo entry.

Only what the public entry page prints (a minor's handle and caption, never their
TikTok account or anything else), and only while the entry is public: the card's
URL asks `gallery_entry`, the one definition of public, on every request. Kept by
shared caches no longer than the poster itself (PUBLIC_MEDIA_MAX_AGE), so a
taken-down entry's card goes from them as its poster does."""

from django.conf import settings
from django.utils.translation import gettext as _

from campaign.selectors import campaign_current
from core.cards import Card, Poster

from .models import Entry
from .selectors.gallery import gallery_entry

DEFAULT_HASHTAG = "#CreateKindness"
KIND = "entry"


def entry_card_for(entry: Entry) -> Card:
    """The card of a public entry (as `gallery_entry` gives it), in the active
    language."""
    campaign = campaign_current()
    handle = entry.handle
    if entry.is_demo:
        alt = _("Demo video by @%(handle)s, made by this site") % {"handle": handle}
    else:
        alt = _("Video by @%(handle)s") % {"handle": handle}
    video = entry.video
    return Card(
        kind=KIND,
        key=str(entry.pk),
        title=_("A moment by @%(handle)s") % {"handle": handle},
        kicker=_("Gallery"),
        text=entry.caption,
        hashtag=campaign.hashtag if campaign else DEFAULT_HASHTAG,
        badge=_("Demo") if entry.is_demo else "",
        posters=(
            Poster(
                storage="private",
                name=video.poster.name,
                stamp=video.updated_at.isoformat(),
            ),
        )
        if video.poster
        else (),
        alt=alt,
        max_age=settings.PUBLIC_MEDIA_MAX_AGE,
    )


def entry_card(key: str) -> Card | None:
    """settings.SHARE_CARDS' provider: a public entry's card, by its id."""
    if not key.isdigit() or len(key) > 12:
        return None
    entry = gallery_entry(pk=int(key))
    return entry_card_for(entry) if entry else None
