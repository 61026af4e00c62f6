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


def episode_card_for(episode: Episode, place: SeriesPlace | None = None) -> Card:
    """The card of `episode` in the active language."""
    place = place or episode_place(episode)
    campaign = campaign_current()
    video = episode.video if episode.video_id else None
    posters = ()
    if video is not None and video.is_ready and video.poster:
        posters = (
            Poster(
                storage="private",
                name=video.poster.name,
                stamp=video.updated_at.isoformat(),
            ),
        )
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
        posters=posters,
        alt=episode.title,
    )


def episode_card(key: str) -> Card | None:
    """settings.SHARE_CARDS' provider: a published episode's card, by its slug."""
    episode = episodes_published().filter(slug=key).first()
    return episode_card_for(episode) if episode else None
