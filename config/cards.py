"""The share cards of the campaign's pages (core/cards.py draws them): each page's
own heading in the page's language, the campaign's hashtag and the series' posters.

Only episode posters, never entries': a page's card would otherwise have to be
drawn again and taken down whenever an entry is (an entry has its own card). Here
because these cards show the campaign and the story series at once, like the home
page."""

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.selectors import campaign_current
from core.cards import Card
from stories.cards import episode_poster
from stories.selectors import episodes_published

DEFAULT_HASHTAG = "#CreateKindness"
POSTERS = 3
# The series' posters, shared by every page's card: from the cache, like the
# campaign's snapshot, so a page such as help costs no query for its card. A new
# poster reaches these cards within this time (an episode's own card at once).
POSTERS_KEY = "cards:page-posters:v1"
POSTERS_SECONDS = 300

# page -> (kicker, title, text): the page's name in the menu, its heading and its
# description, each already said in every language on the page itself. The home
# page's title is the campaign's tagline, the challenge's names the hashtag.
PAGES = {
    "home": (
        "",
        None,
        gettext_lazy(
            "Stories, a challenge and a gallery that spread kindness and help "
            "against online bullying."
        ),
    ),
    "stories": (
        gettext_lazy("Stories"),
        gettext_lazy("The story series"),
        gettext_lazy(
            "Six short animated stories about online bullying, from TikTok’s "
            "#CreateKindness series."
        ),
    ),
    "challenge": (
        gettext_lazy("Challenge"),
        None,
        gettext_lazy(
            "Share a moment of kindness in a short video: the #CreateKindness "
            "challenge."
        ),
    ),
    "rules": (gettext_lazy("Challenge"), gettext_lazy("Rules and privacy"), ""),
    "gallery": (
        gettext_lazy("Gallery"),
        gettext_lazy("The gallery"),
        gettext_lazy(
            "Short videos of kindness from the #CreateKindness challenge, each one "
            "checked by our team."
        ),
    ),
    "help": (gettext_lazy("Get help"), gettext_lazy("You are not alone"), ""),
    "partners": ("", gettext_lazy("A related programme"), ""),
    "toolkit": ("", gettext_lazy("Partner toolkit"), ""),
}


def _title(key: str, title, campaign, hashtag: str) -> str:
    if key == "home":
        tagline = (campaign.tagline or campaign.name) if campaign else ""
        return tagline or _("Choose kindness, together")
    if key == "challenge":
        return _("The %(hashtag)s challenge") % {"hashtag": hashtag}
    return str(title)


def page_card(key: str) -> Card | None:
    """The card of one of PAGES, in the active language."""
    if key not in PAGES:
        return None
    campaign = campaign_current()
    hashtag = campaign.hashtag if campaign else DEFAULT_HASHTAG
    kicker, title, text = PAGES[key]
    title = _title(key, title, campaign, hashtag)
    shown = cache.get(POSTERS_KEY)
    if shown is None:
        shown = [
            (poster, episode.is_demo)
            for episode in episodes_published()
            if (poster := episode_poster(episode))
        ][:POSTERS]
        cache.set(POSTERS_KEY, shown, POSTERS_SECONDS)
    return Card(
        kind="page",
        key=key,
        title=title,
        kicker=str(kicker),
        text=str(text),
        hashtag=hashtag,
        # A demo episode's poster is this site's placeholder: the card says so.
        badge=_("Demo") if any(is_demo for _poster, is_demo in shown) else "",
        posters=tuple(poster for poster, _is_demo in shown),
        alt=title,
    )
