"""What an episode page tells search engines and share previews."""

import json

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.sharing import share_links as campaign_share_links

from .models import Episode

# The escapes django.utils.html.json_script uses, so "</script>" in a title cannot
# end the data block.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def iso_duration(seconds: float | None) -> str | None:
    if not seconds:
        return None
    total = int(round(seconds))
    minutes, secs = divmod(total, 60)
    return f"PT{minutes}M{secs}S" if minutes else f"PT{secs}S"


def video_object(episode: Episode, *, page_url: str, absolute, views: int) -> dict:
    """schema.org VideoObject for the episode (absolute URLs built by `absolute`)."""
    data = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": episode.title,
        "description": episode.synopsis or episode.title,
        "url": page_url,
        "uploadDate": episode.publish_at.isoformat() if episode.publish_at else None,
        "isFamilyFriendly": True,
        "creator": {
            "@type": "Person",
            "name": episode.creator_name,
            "alternateName": episode.creator_handle,
        },
        "partOfSeries": {"@type": "CreativeWorkSeries", "name": episode.series.title},
        "interactionStatistic": {
            "@type": "InteractionCounter",
            "interactionType": {"@type": "WatchAction"},
            "userInteractionCount": views,
        },
    }
    if episode.poster_url:
        data["thumbnailUrl"] = [absolute(episode.poster_url)]
    if episode.video_url:
        data["contentUrl"] = absolute(episode.video_url)
    if duration := iso_duration(episode.duration):
        data["duration"] = duration
    if episode.video_id and episode.video.width:
        data["width"] = episode.video.width
        data["height"] = episode.video.height
    return {key: value for key, value in data.items() if value is not None}


def json_ld(data: dict) -> SafeString:
    """The JSON for a <script type="application/ld+json"> block, safely escaped."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return mark_safe(text.translate(JSON_SCRIPT_ESCAPES))  # noqa: S308


def share_links(*, url: str, title: str) -> list[tuple[str, str, str]]:
    text = _("%(title)s: a #CreateKindness story") % {"title": title}
    return campaign_share_links(url=url, text=text)
