"""The pipeline end to end on real files: probe, validate, transcode, poster."""

import resource
import socket
import threading
from pathlib import Path

import av
import pytest
from PIL import Image

from bench import corpus
from videos import pipeline
from videos.clips import make_clip, top_band_is_red
from videos.models import Video
from videos.pipeline import output_size
from videos.services import video_process

pytestmark = pytest.mark.django_db


def _top_level_boxes(path: Path) -> list[str]:
    boxes, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        boxes.append(data[offset + 4 : offset + 8].decode("latin-1"))
        if size < 8:
            break
        offset += size
    return boxes


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_landscape_clip_becomes_web_safe_mp4_with_poster(upload, clips):
    video = upload(clips["landscape"])
    assert video.status == Video.Status.PENDING
    assert video.source_size == clips["landscape"].stat().st_size

    video = video_process(video_id=video.pk)

    assert video.status == Video.Status.READY
    assert video.is_ready
    assert video.attempts == 1
    assert (video.width, video.height) == (320, 240)
    assert video.duration == pytest.approx(2.0, abs=0.1)
    output = Path(video.output.path)
    assert video.output.name == f"videos/{video.pk}/video.mp4"
    assert video.output_size == output.stat().st_size
    boxes = _top_level_boxes(output)
    assert boxes.index("moov") < boxes.index("mdat"), "faststart: moov first"
    with av.open(str(output)) as container:
        video_stream = container.streams.video[0]
        audio_stream = container.streams.audio[0]
        assert len(container.streams) == 2
        assert video_stream.codec_context.name == "h264"
        assert video_stream.codec_context.pix_fmt == "yuv420p"
        assert audio_stream.codec_context.name == "aac"
        assert audio_stream.codec_context.sample_rate == 48000
        assert audio_stream.codec_context.layout.name == "stereo"
    poster = Image.open(video.poster.path)
    assert poster.format == "WEBP"
    assert poster.size == (320, 240)
    assert not poster.getexif()
    assert top_band_is_red(poster)
    assert video.probe["format"] == "mp4"
    assert video.probe["rotation"] == 0
    assert video.failure_reason == ""


def test_portrait_phone_clip_comes_out_upright(upload, clips):
    video = video_process(video_id=upload(clips["portrait"]).pk)

    assert video.status == Video.Status.READY
    assert video.probe["rotation"] == 90
    assert (video.width, video.height) == (240, 320)
    with av.open(video.output.path) as container:
        frame = next(container.decode(video=0))
        assert frame.rotation == 0
        assert frame.height > frame.width
        assert top_band_is_red(frame.to_image())
    poster = Image.open(video.poster.path)
    assert poster.height > poster.width
    assert top_band_is_red(poster)


def test_clip_without_sound_gets_a_silent_aac_track(upload, clips):
    video = video_process(video_id=upload(clips["silent"]).pk)

    assert video.status == Video.Status.READY
    with av.open(video.output.path) as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.name == "aac"
        duration = float(audio.duration * audio.time_base)
        assert duration == pytest.approx(video.duration, abs=0.1)
        frames = list(container.decode(audio))
        assert frames
        for frame in frames:
            assert frame.format.name == "fltp"
            for plane in frame.planes:
                assert set(bytes(plane)[: frame.samples * 4]) <= {0}


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_a_clip_cut_from_a_long_recording_starts_at_zero(upload, tmp_path, suffix):
    clip = make_clip(tmp_path / f"cut{suffix}", seconds=1, start=400)

    video = video_process(video_id=upload(clip).pk)

    assert video.status == Video.Status.READY, video.failure_detail
    assert video.duration == pytest.approx(1.0, abs=0.1)
    with av.open(video.output.path) as container:
        first = next(container.decode(video=0))
        assert first.time == pytest.approx(0, abs=0.1)


@pytest.mark.parametrize("kind", ["webm", "avi"])
def test_other_allowed_containers_are_transcoded(upload, clips, kind):
    video = video_process(video_id=upload(clips[kind]).pk)

    assert video.status == Video.Status.READY, video.failure_detail
    assert video.probe["format"] == {"webm": "matroska", "avi": "avi"}[kind]


@pytest.mark.parametrize(
    ("kind", "channels"), [("surround_5.1", 6), ("surround_7.1", 8)]
)
def test_many_channel_sound_is_downmixed_to_stereo_aac(upload, clips, kind, channels):
    video = video_process(video_id=upload(clips[kind]).pk)

    assert video.status == Video.Status.READY, video.failure_detail
    source_audio = [s for s in video.probe["streams"] if s["type"] == "audio"]
    assert source_audio[0]["channels"] == channels
    with av.open(video.output.path) as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.name == "aac"
        assert audio.codec_context.layout.name == "stereo"
        frames = list(container.decode(audio))
    assert any(set(bytes(frame.planes[0])) - {0} for frame in frames), "not silent"


def test_a_mediarecorder_webm_without_duration_or_cues_is_measured_and_accepted(
    upload, clips
):
    raw = clips["mediarecorder"].read_bytes()
    assert b"\x1c\x53\xbb\x6b" not in raw, "no Cues element"
    with av.open(str(clips["mediarecorder"])) as source:
        assert source.duration is None
        assert source.streams.video[0].duration is None

    video = video_process(video_id=upload(clips["mediarecorder"]).pk)

    assert video.status == Video.Status.READY, video.failure_detail
    assert video.probe["duration_measured"] is True
    assert video.probe["duration"] == pytest.approx(2.0, abs=0.1)
    assert video.duration == pytest.approx(2.0, abs=0.1)


def test_metadata_and_location_are_stripped(upload, clips):
    with av.open(str(clips["tagged"])) as source:
        assert "com.apple.quicktime.location.ISO6709" in source.metadata
        assert "location" in source.metadata

    video = video_process(video_id=upload(clips["tagged"]).pk)

    assert video.status == Video.Status.READY
    with av.open(video.output.path) as container:
        assert set(container.metadata) <= {
            "major_brand",
            "minor_version",
            "compatible_brands",
        }
        for stream in container.streams:
            assert set(stream.metadata) <= {"language", "handler_name", "vendor_id"}
            assert "creation_time" not in stream.metadata
        assert not container.streams.data and not container.streams.subtitles
    raw = Path(video.output.path).read_bytes()
    for secret in (b"ISO6709", b"+45.4642", b"Giulia", b"secret comment", b"2024-05"):
        assert secret not in raw
    assert b"Lavf" not in raw, "no muxer signature either"


@pytest.mark.parametrize(
    ("width", "height", "rotation", "expected"),
    [
        (1920, 1080, 0, (1280, 720)),
        (1920, 1080, 90, (720, 1280)),
        (3840, 2160, 270, (720, 1280)),
        (640, 480, 0, (640, 480)),
        (1080, 1080, 0, (720, 720)),
        (321, 241, 0, (320, 240)),
        (2560, 1080, 0, (1280, 540)),
    ],
)
def test_output_size_keeps_aspect_ratio_even_and_within_720p(
    width, height, rotation, expected
):
    assert output_size(width, height, rotation, 720) == expected


@pytest.fixture
def network_watch(monkeypatch):
    """A local TCP listener FFmpeg would reach for the corpus's http URLs, plus a
    guard on Python sockets: either way a connection attempt is recorded."""
    attempts = []
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            attempts.append("ffmpeg")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(f"python:{address}")
            raise OSError("network access attempted during video processing")
        return real_connect(self, address)

    port = listener.getsockname()[1]
    yield (
        f"http://127.0.0.1:{port}",
        attempts,
        lambda: monkeypatch.setattr(socket.socket, "connect", guarded_connect),
    )
    stop.set()
    thread.join()
    listener.close()


@pytest.mark.parametrize(
    ("writer", "code", "overrides"),
    corpus.BAD_FILES,
    ids=[writer.__name__ for writer, _, _ in corpus.BAD_FILES],
)
def test_bad_file_fails_with_a_clear_reason_and_no_side_effects(
    upload, settings, tmp_path, network_watch, writer, code, overrides
):
    for name, value in overrides.items():
        setattr(settings, name, value)
    http_url, attempts, arm_guard = network_watch
    path = writer(tmp_path, http_url)
    video = upload(path)
    data_dir = Path(settings.DATA_DIR)
    before = _files_under(data_dir)
    arm_guard()

    video = video_process(video_id=video.pk)

    assert video.status == Video.Status.FAILED
    assert video.failure_code == code, video.failure_detail
    assert video.failure_reason and video.failure_reason != video.failure_code
    assert video.failure_detail
    assert not video.output and not video.poster
    assert attempts == []
    created = _files_under(data_dir) - before
    assert {p for p in created if "sqlite3" not in p.name} == set()
    assert not list((data_dir / "tmp" / "videos").glob(f"{video.pk}-*"))


@pytest.mark.parametrize(
    ("writer", "code"),
    [
        (corpus.decompression_bomb, "too_large"),
        (corpus.pixel_bomb, "too_many_pixels"),
        (corpus.frame_rate_bomb, "too_fast"),
        (corpus.channel_bomb, "too_many_channels"),
    ],
)
def test_hostile_headers_are_refused_before_any_frame_is_decoded(
    settings, tmp_path, monkeypatch, writer, code
):
    """In this process (the worker runs it in a child): nothing is decoded, and
    memory does not grow by anything like one declared frame."""
    path = writer(tmp_path, "http://127.0.0.1:9")

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoding started")

    monkeypatch.setattr(pipeline, "_first_frames", no_decoding)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    with pytest.raises(pipeline.VideoRejected) as refused:
        pipeline.probe(path, pipeline.Limits.from_settings())

    assert refused.value.code == code
    assert "declares" in refused.value.detail
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, "a 16000 x 16000 frame alone would be 768 MB"


def test_frames_larger_than_the_file_declared_are_never_decoded(upload, tmp_path):
    """Declares 64 x 64, then switches to frames over VIDEO_MAX_PIXELS: the decoder
    refuses them (no allocation) and the clean start is kept, as with a cut file."""
    path = corpus.png_video(
        tmp_path / "grows.mov", [(64, 64)] * 10 + [(4096, 4096)] * 5
    )

    video = video_process(video_id=upload(path).pk)

    assert video.status == Video.Status.READY, video.failure_detail
    assert (video.width, video.height) == (64, 64)
    assert video.probe["pipeline"]["frames"] == 10


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    [
        ("not_video", {}, "This file is not a video we can read."),
        (
            "too_many_pixels",
            {"width": 4096, "height": 4096, "limit": 8847360},
            "4096 × 4096 pixels, more than we can process (at most 8,847,360 pixels",
        ),
        ("too_fast", {"fps": 1000, "limit": 240}, "1000 frames per second"),
        ("too_many_channels", {"count": 24, "limit": 8}, "24 channels"),
        ("too_demanding", {}, "too demanding to process"),
        ("unprocessable", {}, "We could not process this video."),
        (
            "too_long",
            {"duration": 245, "limit": 180},
            "The video is 4 min 5 s long; the limit is 3 min.",
        ),
        ("too_long", {"duration": 61.4, "limit": 60}, "The video is 1 min 1 s long"),
        ("too_big", {"size": 300 * 1024 * 1024, "limit": 250 * 1024 * 1024}, "250"),
        ("too_many_streams", {"count": 21, "limit": 16}, "21 tracks"),
        ("unknown_code", {}, "Something went wrong on our side"),
        ("too_long", {}, "This file is not a video we can read."),
    ],
)
def test_failure_reason_is_built_from_code_and_params(code, params, expected):
    video = Video(status=Video.Status.FAILED, failure_code=code, failure_params=params)
    assert expected in video.failure_reason


def test_limits_are_read_from_settings_when_processing(upload, clips, settings):
    settings.VIDEO_MAX_UPLOAD_BYTES = 100
    video = video_process(video_id=upload(clips["landscape"]).pk)
    assert video.failure_code == "too_big"
    assert video.failure_params["limit"] == 100
    assert settings.VIDEO_MAX_UPLOAD_BYTES == 100
