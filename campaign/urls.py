from django.urls import path

from . import views

app_name = "campaign"

urlpatterns = [
    path("help/", views.help_page, name="help"),
    path("partners/", views.partners, name="partners"),
    path("about/who-runs-this/", views.who_runs_this, name="who_runs_this"),
    path("country/", views.set_country, name="set_country"),
    path("banner/dismiss/", views.dismiss_banner, name="dismiss_banner"),
]
