from django.urls import path

from . import views

app_name = "challenge"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.rules, name="rules"),
    path("profile/", views.profile, name="profile"),
    path("submit/", views.submit, name="submit"),
    path("submit/check/<int:pk>/", views.nudge, name="nudge"),
    path("my-entries/", views.my_entries, name="my_entries"),
    path("entries/<int:pk>/status/", views.entry_status_json, name="entry_status"),
    path("entries/<int:pk>/poster/", views.entry_poster, name="entry_poster"),
    path("entries/<int:pk>/withdraw/", views.entry_withdraw, name="withdraw"),
    path(
        "entries/<int:pk>/guardian/resend/",
        views.guardian_resend,
        name="guardian_resend",
    ),
    path("guardian/<str:token>/", views.guardian, name="guardian"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.my_data_download, name="my_data_download"),
    path("my-data/delete-account/", views.account_delete, name="account_delete"),
]
