from django.urls import path

from .views import guardian, notes, participants, privacy, submission, tiktok, tus

app_name = "challenge"

urlpatterns = [
    path("", participants.index, name="index"),
    path("rules/", participants.rules, name="rules"),
    path("profile/", participants.profile, name="profile"),
    path("submit/", submission.submit, name="submit"),
    path("submit/check/<int:pk>/", submission.nudge, name="nudge"),
    path("submit/tiktok/", tiktok.tiktok_add, name="tiktok_add"),
    path("submit/caption-check/", submission.caption_check, name="caption_check"),
    path("submit/uploads/", tus.uploads, name="tus_uploads"),
    path("submit/uploads/<uuid:pk>/", tus.upload, name="tus_upload"),
    path("my-entries/", submission.my_entries, name="my_entries"),
    path("entries/<int:pk>/status/", submission.entry_status_json, name="entry_status"),
    path("entries/<int:pk>/poster/", submission.entry_poster, name="entry_poster"),
    path("entries/<int:pk>/withdraw/", submission.entry_withdraw, name="withdraw"),
    path(
        "entries/<int:pk>/guardian/resend/",
        submission.guardian_resend,
        name="guardian_resend",
    ),
    path(
        "guardian/revoke/<str:token>/",
        guardian.guardian_revoke,
        name="guardian_revoke",
    ),
    path(
        "guardian/<str:token>/video.mp4",
        guardian.guardian_media,
        {"field": "output"},
        name="guardian_video",
    ),
    path(
        "guardian/<str:token>/poster.webp",
        guardian.guardian_media,
        {"field": "poster"},
        name="guardian_poster",
    ),
    path("guardian/<str:token>/", guardian.guardian, name="guardian"),
    path("entries/<int:pk>/notes/", notes.notes_manage, name="notes_manage"),
    path("notes/settings/", notes.notes_settings, name="notes_settings"),
    path(
        "notes/settings/guardian/resend/",
        notes.notes_guardian_resend,
        name="notes_guardian_resend",
    ),
    path("notes/blocked/<int:pk>/unblock/", notes.notes_unblock, name="notes_unblock"),
    path(
        "notes/unsubscribe/<str:token>/",
        notes.notes_unsubscribe,
        name="notes_unsubscribe",
    ),
    path("notes/guardian/<str:token>/", notes.notes_guardian, name="notes_guardian"),
    path("my-data/", privacy.my_data, name="my_data"),
    path("my-data/download/", privacy.my_data_download, name="my_data_download"),
    path("my-data/delete-account/", privacy.account_delete, name="account_delete"),
]
