from django.urls import path

from videos import views

app_name = "videos"

urlpatterns = [
    path("<uuid:pk>/video.mp4", views.video, name="video"),
    path("<uuid:pk>/poster.webp", views.poster, name="poster"),
    path("<uuid:pk>/original", views.original, name="original"),
    path("<uuid:pk>/hls/master.m3u8", views.stream, name="stream"),
    path("<uuid:pk>/hls/<str:rung>/<str:name>", views.stream_file, name="stream_file"),
]
