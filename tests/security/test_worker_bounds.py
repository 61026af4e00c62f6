"""Issue "trust boundary", point 4: a file cannot exhaust a worker.

A participant uploads a decompression bomb (4.8 MB on disk, two 16000 x 16000
frames: 768 MB each once decoded) through the real form: it is refused from its
headers before any frame is decoded, the process does not grow, and the entry ends
`failed` with a reason the participant can read, not "try again". The memory
ceiling behind the header checks is attacked in tests/videos/test_bounded.py.
"""

import resource
from http import HTTPStatus

from django.core.files.uploadedfile import SimpleUploadedFile

from bench import corpus
from challenge.models import Entry
from tests.challenge.factories import entry_post_data, make_participant


def test_a_decompression_bomb_through_the_form_fails_readably_without_growth(
    client, campaign, tmp_path, django_capture_on_commit_callbacks
):
    bomb = corpus.decompression_bomb(tmp_path, "http://127.0.0.1:9")
    client.force_login(make_participant().user)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/challenge/submit/",
            entry_post_data(
                SimpleUploadedFile("bomb.mov", bomb.read_bytes(), "video/quicktime")
            ),
        )
    assert response.status_code == HTTPStatus.FOUND
    entry = Entry.objects.select_related("video").get()
    assert entry.state == Entry.State.FAILED
    reason = entry.video.failure_reason
    assert reason and "try again" not in reason.lower()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"the test process grew by {grown_mb:.0f} MB"
    page = client.get("/en/challenge/my-entries/").content.decode()
    assert "Could not be processed" in page
