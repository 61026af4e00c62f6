from django.urls import path

from . import gallery_views
from .feeds import GalleryFeed

app_name = "gallery"

urlpatterns = [
    path("", gallery_views.gallery_list, name="list"),
    path("embed/", gallery_views.gallery_embed, name="embed"),
    path("feed/", GalleryFeed(), name="feed"),
    path("<int:pk>/", gallery_views.gallery_detail, name="detail"),
    path("<int:pk>/heart/", gallery_views.heart_toggle, name="heart"),
    path("<int:pk>/report/", gallery_views.report_entry, name="report"),
]
