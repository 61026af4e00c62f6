from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from videos.models import Video
from videos.services import video_process

pytestmark = pytest.mark.django_db


def _staff(django_user_model, *codenames):
    user = django_user_model.objects.create_user(
        username="mod", email="mod@example.org", password="x" * 12, is_staff=True
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_change_page_shows_status_reason_detail_and_pretty_probe(
    admin_client, upload, tmp_path
):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"%PDF-1.4 not a video")
    video = video_process(video_id=upload(bad).pk)

    response = admin_client.get(reverse("admin:videos_video_change", args=[video.pk]))

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "This file is not a video we can read." in page
    assert "unrecognised magic bytes" in page
    assert f"/v/{video.pk}/original" in page


def test_probe_json_is_pretty_printed(admin_client, upload, clips):
    video = video_process(video_id=upload(clips["landscape"]).pk)
    page = admin_client.get(
        reverse("admin:videos_video_change", args=[video.pk])
    ).content.decode()
    assert "<pre>" in page
    assert "&quot;rotation&quot;: 0" in page


def test_reprocess_action_needs_its_permission(client, django_user_model, db):
    client.force_login(_staff(django_user_model, "view_video"))
    response = client.get(reverse("admin:videos_video_changelist"))
    assert response.status_code == HTTPStatus.OK
    assert "reprocess" not in response.content.decode()


def test_reprocess_action_requeues_failed_videos(
    client, django_user_model, upload, clips, django_capture_on_commit_callbacks
):
    client.force_login(_staff(django_user_model, "view_video", "reprocess_video"))
    video = upload(clips["landscape"])
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.FAILED, failure_code="internal", attempts=3
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:videos_video_changelist"),
            {"action": "reprocess", "_selected_action": [str(video.pk)]},
        )

    assert response.status_code == HTTPStatus.FOUND
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert video.attempts == 1
