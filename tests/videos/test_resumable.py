"""videos.resumable on its own: the bytes of a piece-by-piece upload, kept for any
owner that records the progress (a ledger in memory here, no database, no
challenge)."""

import fcntl
import io
import uuid
from dataclasses import dataclass, field, replace

import pytest

from videos import resumable


@dataclass(frozen=True)
class Progress:
    pk: uuid.UUID
    length: int
    offset: int = 0
    stored_bytes: int = 0
    multipart_id: str = ""
    part_etags: list[str] = field(default_factory=list)
    finished: bool = False


class MemoryLedger:
    """An owner's record kept in memory, checked like the challenge's row."""

    def __init__(self, length: int):
        self.progress = Progress(pk=uuid.uuid4(), length=length)

    def current(self) -> Progress:
        return self.progress

    def confirm(self, *, start, received, part=None, finished=False) -> Progress:
        assert self.progress.offset == start
        self.progress = replace(
            self.progress, offset=start + received, finished=finished
        )
        return self.progress


@pytest.fixture(autouse=True)
def _upload_dir(settings, tmp_path):
    settings.RESUMABLE_UPLOAD_DIR = tmp_path / "uploads"


def append(ledger, data: bytes, *, offset: int, content_length: int | None = None):
    return resumable.piece_append(
        ledger=ledger,
        offset=offset,
        stream=io.BytesIO(data),
        content_length=len(data) if content_length is None else content_length,
    )


def test_pieces_assemble_into_the_finished_file():
    ledger = MemoryLedger(length=10)
    resumable.part_file_create(ledger.progress.pk)
    assert not append(ledger, b"01234", offset=0).finished
    assert append(ledger, b"56789", offset=5).finished
    with resumable.finished_file(
        ledger.progress.pk, multipart_id="", name="a.mp4"
    ) as f:
        assert f.name == "a.mp4"
        assert f.read() == b"0123456789"


def test_a_piece_is_refused_at_a_stale_offset_beyond_the_length_and_while_busy():
    ledger = MemoryLedger(length=10)
    pk = ledger.progress.pk
    resumable.part_file_create(pk)
    append(ledger, b"012", offset=0)
    with pytest.raises(resumable.PieceOffsetMoved) as moved:
        append(ledger, b"xyz", offset=0)
    assert moved.value.offset == 3
    with pytest.raises(resumable.PieceTooLong):
        append(ledger, b"x" * 8, offset=3)
    with resumable.part_path(pk).open("ab") as writer:
        fcntl.flock(writer, fcntl.LOCK_EX)  # another request is writing
        with pytest.raises(resumable.PieceBusy):
            append(ledger, b"345", offset=3)
    assert resumable.part_path(pk).read_bytes() == b"012"


def test_a_missing_file_is_gone_and_deleting_twice_is_harmless():
    ledger = MemoryLedger(length=10)
    with pytest.raises(resumable.PiecesGone):
        append(ledger, b"012", offset=0)
    resumable.part_file_create(ledger.progress.pk)
    for _ in range(2):
        resumable.upload_files_delete(
            ledger.progress.pk, multipart_id="", finished=False
        )
    assert not resumable.part_path(ledger.progress.pk).exists()
