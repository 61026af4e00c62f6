from django.urls import path

from .views import gallery, notes
from .views.feeds import GalleryFeed

app_name = "gallery"

urlpatterns = [
    path("", gallery.gallery_list, name="list"),
    path("embed/", gallery.gallery_embed, name="embed"),
    path("feed/", GalleryFeed(), name="feed"),
    path("<int:pk>/", gallery.gallery_detail, name="detail"),
    path("<int:pk>/heart/", gallery.heart_toggle, name="heart"),
    path("<int:pk>/report/", gallery.report_entry, name="report"),
    path("<int:pk>/notes/", notes.note_create, name="note_create"),
    path("notes/check/<int:pk>/", notes.note_nudge, name="note_nudge"),
    path("notes/<int:pk>/report/", notes.note_report, name="note_report"),
    path("notes/<int:pk>/owner/", notes.note_owner_action, name="note_owner_action"),
]
