from django.urls import path
from django.views.generic import TemplateView

app_name = "challenge"

placeholder = TemplateView.as_view(template_name="placeholder.html")

urlpatterns = [
    path("", placeholder, name="index"),
    path("rules/", placeholder, name="rules"),
    path("my-entries/", placeholder, name="my_entries"),
]
