"""The size limit cuts an upload off while it streams in, not after."""

import io
import uuid
from http import HTTPStatus

import pytest

from challenge.models import Entry
from videos.models import Video

SUBMIT = "/en/challenge/submit/"
BOUNDARY = "----kindnessboundary"
MB = 1024 * 1024


class CountingBody(io.RawIOBase):
    """A request body of `file_size` video bytes, generated as it is read."""

    def __init__(self, fields: dict, file_size: int):
        head = b"".join(
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"'
                f"\r\n\r\n{value}\r\n"
            ).encode()
            for name, value in fields.items()
        )
        head += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="video"; '
            f'filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        self.head = head
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.file_size = file_size
        self.length = len(head) + file_size + len(self.tail)
        self.position = 0

    def readable(self):
        return True

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.length - self.position
        size = min(size, self.length - self.position)
        out = bytearray()
        while len(out) < size:
            pos = self.position + len(out)
            if pos < len(self.head):
                out += self.head[pos : pos + size - len(out)]
            elif pos < len(self.head) + self.file_size:
                left = len(self.head) + self.file_size - pos
                out += b"\0" * min(left, size - len(out))
            else:
                start = pos - len(self.head) - self.file_size
                out += self.tail[start : start + size - len(out)]
        self.position += len(out)
        return bytes(out)


def post_stream(client, body: CountingBody, declared_length: int | None = None):
    return client.request(
        REQUEST_METHOD="POST",
        PATH_INFO=SUBMIT,
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(declared_length or body.length),
        **{"wsgi.input": body},
    )


def form_fields(caption="Please keep my words"):
    return {
        "caption": caption,
        "prompt": "words",
        "language": "en",
        "accept_rules": "on",
        "accept_gallery": "on",
        "submission_token": str(uuid.uuid4()),
    }


@pytest.fixture
def small_limit(settings):
    settings.VIDEO_MAX_UPLOAD_BYTES = 1 * MB
    return settings.VIDEO_MAX_UPLOAD_BYTES


def test_a_2_gb_upload_is_cut_off_before_its_file_is_read(
    participant_client, campaign, small_limit
):
    body = CountingBody(form_fields(), file_size=2 * 1024 * MB)
    response = post_stream(participant_client, body)
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    page = response.content.decode()
    assert "larger than 1 MB" in page
    assert "Please keep my words" in page  # the caption is not lost
    assert body.position < 256 * 1024  # the fields and one chunk: not the 2 GB
    assert not Video.objects.exists()


def test_an_upload_that_grows_past_the_limit_stops_at_the_limit(
    participant_client, campaign, small_limit
):
    # Content-Length within the allowance for the form, file just over the limit:
    # the counting handler, not the up-front check, stops it.
    body = CountingBody(form_fields(), file_size=small_limit + 16 * 1024)
    response = post_stream(participant_client, body)
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "Please keep my words" in response.content.decode()
    assert body.position <= len(body.head) + small_limit + 2 * 64 * 1024
    assert not Video.objects.exists()


def test_the_json_answer_says_too_large(participant_client, campaign, small_limit):
    body = CountingBody(form_fields(), file_size=10 * MB)
    response = participant_client.request(
        REQUEST_METHOD="POST",
        PATH_INFO=SUBMIT,
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(body.length),
        HTTP_ACCEPT="application/json",
        **{"wsgi.input": body},
    )
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "larger than 1 MB" in response.json()["errors"]["video"][0]


def test_a_closed_campaign_does_not_read_the_file(participant_client, db):
    body = CountingBody(form_fields(), file_size=50 * MB)
    response = post_stream(participant_client, body)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert body.position < 256 * 1024
    assert "Please keep my words" in response.content.decode()


def test_a_file_under_the_limit_is_accepted(participant_client, campaign, settings):
    settings.VIDEO_MAX_UPLOAD_BYTES = 1 * MB
    body = CountingBody(form_fields(), file_size=512 * 1024)
    response = post_stream(participant_client, body)
    assert response.status_code == HTTPStatus.FOUND
    assert body.position == body.length
    assert Entry.objects.get().video.source_size == 512 * 1024
