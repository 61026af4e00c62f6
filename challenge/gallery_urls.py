from django.urls import path

from .views import gallery
from .views.feeds import GalleryFeed

app_name = "gallery"

urlpatterns = [
    path("", gallery.gallery_list, name="list"),
    path("embed/", gallery.gallery_embed, name="embed"),
    path("feed/", GalleryFeed(), name="feed"),
    path("<int:pk>/", gallery.gallery_detail, name="detail"),
    path("<int:pk>/heart/", gallery.heart_toggle, name="heart"),
    path("<int:pk>/report/", gallery.report_entry, name="report"),
]
