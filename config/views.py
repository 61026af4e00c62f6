"""The home page: the one page that shows every app at once (the campaign, the story
series and the gallery), so it lives above them all, where the URLs are wired."""

from django.shortcuts import render

from challenge.selectors.gallery import gallery_figures, gallery_latest
from stories.selectors import episodes_published, story_views_total


def home(request):
    return render(
        request,
        "campaign/home.html",
        {
            "episodes": episodes_published(),
            "highlights": gallery_latest(limit=6),
            "figures": {**gallery_figures(), "views": story_views_total()},
        },
    )
