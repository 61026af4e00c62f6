"""An episode's share card (core/cards.py draws it).

Never the creator: the series reveals who made each episode at its end, so the
card (its texts, its picture's description) names the episode, its place in the
series and what it is about, like the start of the episode does."""

from django.utils.translation import gettext as _

from campaign.selectors import campaign_current
from core.cards import Card, Poster

from .models import Episode
from .selectors import SeriesPlace, episode_place, episodes_published

DEFAULT_HASHTAG = "#CreateKindness"
# The share of an episode poster's height a card shows, from the top. The demo clips
# write the creator's handle in their bottom fifth from the second second on, and a
# clip saved from TikTok carries the account's watermark low down too: a card stops
# above them whichever frame the pipeline picked for the poster.
POSTER_TOP = 0.72


def episode_poster(episode: Episode) -> Poster | None:
    """The part of `episode`'s poster its cards may show, or None."""
    video = episode.video if episode.video_id else None
    if video is None or not video.is_ready or not video.poster:
        return None
    return Poster(
        storage="private",
        name=video.poster.name,
        stamp=video.updated_at.isoformat(),
        keep_top=POSTER_TOP,
    )


def episode_card_for(episode: Episode, place: SeriesPlace | None = None) -> Card:
    """The card of `episode` in the active language."""
    place = place or episode_place(episode)
    campaign = campaign_current()
    poster = episode_poster(episode)
    kicker = (
        _("Episode %(number)s of %(total)s")
        % {"number": place.number, "total": place.total}
        if place.number
        else episode.series.title
    )
    return Card(
        kind="episode",
        key=episode.slug,
        title=episode.title,
        kicker=kicker,
        text=str(episode.get_situation_display()),
        hashtag=campaign.hashtag if campaign else DEFAULT_HASHTAG,
        # A preview in a chat shows no page notice: the card says it is a demo.
        badge=_("Demo") if episode.is_demo else "",
        posters=(poster,) if poster else (),
        alt=episode.title,
    )


def episode_card(key: str) -> Card | None:
    """settings.SHARE_CARDS' provider: a published episode's card, by its slug."""
    episode = episodes_published().filter(slug=key).first()
    return episode_card_for(episode) if episode else None
