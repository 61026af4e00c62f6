import json
import logging
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model

from core.observability import ContextFilter, JsonFormatter, request_id_var


def test_every_response_carries_a_request_id(client, db):
    first = client.get("/en/help/")["X-Request-ID"]
    second = client.get("/en/help/")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_the_proxys_request_id_is_kept_and_a_forged_one_replaced(client, db):
    assert (
        client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    )
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\r\nx")["X-Request-ID"]
    assert forged != "bad id\r\nx" and len(forged) == 32


def test_log_lines_carry_the_request_id_as_json():
    record = logging.LogRecord(
        "kh", logging.INFO, __file__, 1, "hello %s", ("you",), None
    )
    token = request_id_var.set("req-42")
    try:
        ContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello you"
    assert line["request_id"] == "req-42"
    assert line["task_id"] == "-"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "ops", "ops@example.org", "pw", is_staff=True
    )


def test_metrics_are_hidden_from_the_public(client, db):
    assert client.get("/metrics").status_code == HTTPStatus.NOT_FOUND


def test_metrics_accept_the_bearer_token(client, db, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == (
        HTTPStatus.NOT_FOUND
    )
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    assert response.status_code == HTTPStatus.OK
    assert "kh_broker_up 1" in response.content.decode()


def test_metrics_count_videos_by_status_and_failures(client, staff):
    from videos.models import Video

    Video.objects.create(status=Video.Status.FAILED, failure_code="unreadable")
    Video.objects.create(status=Video.Status.PENDING)
    client.force_login(staff)
    text = client.get("/metrics").content.decode()
    assert 'kh_videos{status="failed"} 1' in text
    assert 'kh_videos{status="pending"} 1' in text
    assert "kh_video_failures_last_24h 1" in text
    assert 'kh_queue_length{queue="' in text
