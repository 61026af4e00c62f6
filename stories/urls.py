from django.urls import path

from . import views

app_name = "stories"

urlpatterns = [
    path("", views.story_list, name="list"),
    path(
        "teaser/<int:pk>/captions/<str:language>.vtt",
        views.teaser_captions_file,
        name="teaser_captions",
    ),
    path("<slug:slug>/", views.episode_detail, name="detail"),
    path(
        "<slug:slug>/captions/<str:language>.vtt",
        views.episode_captions_file,
        name="captions",
    ),
    path("<slug:slug>/play", views.episode_play, name="play"),
]
