"""The Atom feed of the public gallery (newest approved entries)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from core.text import clean_text

from ..selectors import gallery

# Feed readers and shared caches may keep the feed this long, like the embeddable
# widget: an entry hidden or withdrawn leaves every copy within a minute.
FEED_MAX_AGE = 60


class GalleryFeed(Feed):
    feed_type = Atom1Feed
    title = _("#CreateKindness gallery")
    subtitle = _("The newest entries of the #CreateKindness challenge.")

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response

    def link(self):
        return settings.SITE_URL + reverse("gallery:list")

    def items(self):
        return gallery.gallery_latest(limit=30)

    def item_title(self, entry):
        if entry.is_demo:
            return _("Demo entry: @%(handle)s") % {"handle": entry.handle}
        return f"@{entry.handle}"

    def item_description(self, entry):
        # Cleaned again on the way out: rows saved before captions were cleaned on
        # the way in may hold characters XML cannot carry.
        caption = clean_text(entry.caption)
        if entry.is_demo:
            # A feed reader shows no page notice: the item says it itself.
            return _(
                "Demo entry made up by this site to show how the gallery works: "
                "%(caption)s"
            ) % {"caption": caption}
        return caption

    def item_categories(self, entry):
        return ["demo"] if entry.is_demo else []

    def item_link(self, entry):
        return settings.SITE_URL + entry.get_absolute_url()

    def item_pubdate(self, entry):
        return entry.approved_at

    def item_updateddate(self, entry):
        return entry.approved_at

    def item_author_name(self, entry):
        return f"@{entry.handle}"

    def item_enclosure_url(self, entry):
        return settings.SITE_URL + entry.poster_url

    def item_enclosure_mime_type(self, entry):
        return "image/webp"

    def item_enclosure_length(self, entry):
        return 0
