"""The video pipeline's work on files: sniff, probe, validate, transcode, poster.

One decode of the source feeds one encoder per rung of an HLS ladder (for example
240p, 480p, 720p: never above the source, portrait stays portrait), each written as
fMP4 segments of VIDEO_HLS_SEGMENT_SECONDS with its own playlist, plus a master
playlist written here. The faststart MP4 (fallback and download) is the top rung's
own packets remuxed: no second encode.

No models here: `videos.services.video_process` drives these functions and records
the outcome. Everything runs on local paths only.

Safety: the container format is decided from the file's own magic bytes and passed to
FFmpeg explicitly, so FFmpeg never auto-probes; demuxers that read other files or
URLs (hls, concat, image2, lavfi, ...) can never be chosen. Only the `file` protocol
is whitelisted, and the MOV demuxer's external data references stay off.

Resources: a small file can declare enormous frames. Opening a file decodes nothing
(no decoder is allowed while FFmpeg reads the stream info), so `probe` checks the
declared size, pixel count, frame rate, stream and channel counts first; our own
decoders then refuse any frame above VIDEO_MAX_PIXELS, whatever the file declared.
"""

import json
import logging
import math
import os
import re
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
from av.audio.resampler import AudioResampler
from av.video.frame import PictureType
from PIL import ImageStat

logger = logging.getLogger(__name__)

# Our format name -> the FFmpeg demuxer, passed by its full name as format= (PyAV then
# reports the same name as container.format.name, which is checked again).
FORMATS = {
    "mp4": "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska": "matroska,webm",
    "avi": "avi",
}
ALLOWED_DEMUXERS = frozenset(FORMATS.values())
CONTENT_TYPES = {
    "mp4": "video/mp4",
    "matroska": "video/x-matroska",
    "avi": "video/x-msvideo",
}
# ISO-BMFF files start with a box; these are the top-level boxes a real MP4/MOV/3GP
# opens with (legacy QuickTime files may lack `ftyp`).
ISO_BMFF_FIRST_BOXES = {b"ftyp", b"moov", b"wide", b"free", b"skip", b"mdat"}
OPEN_OPTIONS = {"protocol_whitelist": "file", "enable_drefs": "0"}
# avformat_find_stream_info decodes frames to learn what the container leaves out
# (pixel format, ...), at whatever size the bitstream says. Allowing no decoder while
# it runs ("none" names no codec) keeps opening a file free of decoding: what it
# reports is what the container and the parsers declare.
INPUT_OPTIONS = {**OPEN_OPTIONS, "codec_whitelist": "none"}

MAX_STREAMS = 16
MAX_FPS = 240
MAX_AUDIO_CHANNELS = 8
# Samples per decoded audio frame (FFmpeg's default is INT_MAX): plenty for any real
# packet, and a ceiling on what one frame of a hostile file can allocate.
MAX_AUDIO_FRAME_SAMPLES = 1 << 20
MIN_SIDE = 16
MAX_ASPECT = 10
FIRST_FRAMES = 3
MAX_OUTPUT_FPS = 60
AUDIO_RATE = 48000
AUDIO_FRAME = 1024
# Keys the MP4 muxer writes itself; nothing else may be left in the output.
TECHNICAL_CONTAINER_KEYS = {"major_brand", "minor_version", "compatible_brands"}
TECHNICAL_STREAM_KEYS = {"language", "handler_name", "vendor_id"}
# Poster candidates: frames at these fractions of the duration; the first one that
# is neither near-black, near-white nor flat (a fade-in, a title card's blank) wins,
# else the one with the most detail.
POSTER_AT_FRACTIONS = (0.2, 0.35, 0.5, 0.65, 0.1)
POSTER_MIN_LUMA = 40
POSTER_MAX_LUMA = 225
POSTER_MIN_CONTRAST = 18

# The HLS ladder, beside video.mp4 in the video's folder: hls/master.m3u8 and, per
# rung, hls/<name>/index.m3u8, init.mp4 and s00000.m4s... (the checked view serves
# exactly these names, see RUNG_RE / RUNG_FILE_RE, always with fullmatch).
HLS_MASTER = "master.m3u8"
HLS_PLAYLIST = "index.m3u8"
HLS_INIT = "init.mp4"
HLS_SEGMENT = "s%05d.m4s"
RUNG_RE = re.compile(r"[1-9][0-9]{1,3}p")
RUNG_FILE_RE = re.compile(r"index\.m3u8|init\.mp4|s[0-9]{5}\.m4s")
# A rung below the top is kept only when clearly smaller (else two near-identical
# streams cost a whole encode for nothing).
RUNG_MAX_FRACTION = 0.75
# Video bitrate cap per rung: 2500 kbit/s at 720p, scaled by the short side^1.5
# (240p: 481, 480p: 1361). CRF decides the quality, the cap (VBV) the peaks, so a
# rung's BANDWIDTH is a promise a player can rely on.
REFERENCE_SIDE = 720
REFERENCE_KBPS = 2500
# Threads per encoder: a ladder runs several encoders at once, and each thread's
# stack counts against the child's address-space ceiling.
MAX_ENCODER_THREADS = 4


class VideoRejected(Exception):
    """The file itself is not acceptable: final, never retried.

    `code` and `params` build the participant-readable reason (videos.failures);
    `detail` is the technical explanation for staff.
    """

    def __init__(self, code: str, detail: str = "", **params):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.params = params
        self.detail = detail or code
        self.probe = None  # what probe found, when the refusal came later


def _raise_if_memory(error: Exception) -> None:
    """FFmpeg running out of memory (ENOMEM, a MemoryError in PyAV) is not a broken
    file: let it through to end the video as too demanding."""
    if isinstance(error, MemoryError):
        raise error


class _SourceBroken(Exception):
    """Reading the source failed part-way (as opposed to writing the output)."""


class PipelineTimeout(Exception):
    """Processing ran past VIDEO_SOFT_TIME_LIMIT (checked between frames)."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_duration: float
    max_dimension: int
    max_pixels: int
    output_max_height: int
    preset: str
    crf: int
    hls_rungs: tuple = (240, 480)
    hls_segment_seconds: float = 2.0
    deadline: float | None = None  # time.monotonic() value

    @classmethod
    def from_settings(cls, deadline=None):
        from django.conf import settings

        return cls(
            max_bytes=settings.VIDEO_MAX_UPLOAD_BYTES,
            max_duration=settings.VIDEO_MAX_DURATION_SECONDS,
            max_dimension=settings.VIDEO_MAX_DIMENSION,
            max_pixels=settings.VIDEO_MAX_PIXELS,
            output_max_height=settings.VIDEO_OUTPUT_MAX_HEIGHT,
            preset=settings.VIDEO_X264_PRESET,
            crf=settings.VIDEO_X264_CRF,
            hls_rungs=tuple(settings.VIDEO_HLS_RUNGS),
            hls_segment_seconds=settings.VIDEO_HLS_SEGMENT_SECONDS,
            deadline=deadline,
        )


@dataclass
class Result:
    width: int
    height: int
    duration: float
    output_size: int
    poster_written: bool
    stats: dict = field(default_factory=dict)
    ladder: list = field(default_factory=list)  # one dict per rung, lowest first
    # False for a review copy that leaves the top rung (and the top MP4) to later.
    whole: bool = True


def sniff_format(path) -> str:
    """Our format name from the file's first bytes, or VideoRejected."""
    with open(path, "rb") as file:
        head = file.read(16)
    if not head:
        raise VideoRejected("empty", "zero-byte file")
    if len(head) >= 12 and head[4:8] in ISO_BMFF_FIRST_BOXES:
        size = int.from_bytes(head[0:4], "big")
        if size in (0, 1) or size >= 8:
            return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    raise VideoRejected("not_video", f"unrecognised magic bytes {head[:12].hex()}")


def open_input(path, fmt: str):
    """av.open with the explicit demuxer, the file protocol only, then re-checked."""
    demuxer = FORMATS[fmt]
    try:
        container = av.open(
            str(path), mode="r", format=demuxer, options=dict(INPUT_OPTIONS)
        )
    except av.FFmpegError as error:
        _raise_if_memory(error)
        raise VideoRejected(
            "not_video", f"{demuxer} demuxer refused it: {error}"
        ) from error
    if (
        container.format.name not in ALLOWED_DEMUXERS
        or container.format.name != demuxer
    ):
        container.close()
        raise VideoRejected("not_video", f"unexpected demuxer {container.format.name}")
    return container


def guard_decoder(stream, limits: Limits) -> None:
    """Set the decoder's own ceilings before its first packet: FFmpeg then refuses
    a larger frame (one a file did not declare, or changes to mid-stream) instead of
    allocating it."""
    stream.codec_context.options = {
        "max_pixels": str(limits.max_pixels),
        "max_samples": str(MAX_AUDIO_FRAME_SAMPLES),
    }
    stream.thread_type = "AUTO"


def check_declared(container, video, audio, limits: Limits) -> None:
    """Refuse what would take too much to decode, from the headers alone."""
    count = len(container.streams)
    if count > MAX_STREAMS:
        raise VideoRejected(
            "too_many_streams", f"{count} streams", count=count, limit=MAX_STREAMS
        )
    width, height = (
        (video.codec_context.width, video.codec_context.height) if video else (0, 0)
    )
    if max(width, height) > limits.max_dimension:
        raise VideoRejected(
            "too_large",
            f"declares {width}x{height}",
            width=width,
            height=height,
            limit=limits.max_dimension,
        )
    if width * height > limits.max_pixels:
        raise VideoRejected(
            "too_many_pixels",
            f"declares {width}x{height}",
            width=width,
            height=height,
            limit=limits.max_pixels,
        )
    fps = _rate(video) if video else None
    if fps and fps > MAX_FPS:
        raise VideoRejected(
            "too_fast", f"declares {fps:.3f} fps", fps=round(fps), limit=MAX_FPS
        )
    channels = audio.codec_context.channels if audio is not None else 0
    if channels > MAX_AUDIO_CHANNELS:
        raise VideoRejected(
            "too_many_channels",
            f"declares {channels} audio channels",
            count=channels,
            limit=MAX_AUDIO_CHANNELS,
        )


def _rate(stream):
    """The frame rate the stream states, or None when it states none.

    A browser's MediaRecorder writes WebM with no frame rate at all (no
    DefaultDuration, no duration to average over); FFmpeg then "guesses" the time
    base's tick, 1000 fps for Matroska's millisecond clock. That is not a claim
    about the frames, so it neither refuses the clip as too fast nor sets the
    output rate (timestamps pass through, frames closer than 1/60 s are dropped).
    """
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        return None
    if (
        stream.average_rate is None
        and stream.time_base
        and rate * stream.time_base == 1
    ):
        return None
    return float(rate)


def _stream_duration(container, stream):
    own = None
    if stream.duration is not None and stream.time_base:
        own = float(stream.duration * stream.time_base)
    if container.duration is None:
        return own
    duration = container.duration / 1_000_000
    if own is not None and abs(own - duration) > 0.001:
        return own
    # Matroska states the end time (and FFmpeg copies it to a stream that has no
    # duration of its own); a clip cut from a longer recording starts late.
    # (Where this under-counts, transcode's timestamp check still applies.)
    start = (container.start_time or 0) / 1_000_000
    return duration - start if 0 < start < duration else duration


def probe(path, limits: Limits) -> dict:
    """Read what the file is and check it against the limits.

    Returns a JSON-able dict; raises VideoRejected for a file we will not process.
    """
    path = Path(path)
    size = path.stat().st_size
    fmt = sniff_format(path)
    if size > limits.max_bytes:
        raise VideoRejected(
            "too_big", f"{size} bytes", size=size, limit=limits.max_bytes
        )
    with open_input(path, fmt) as container:
        streams = [
            {
                "index": stream.index,
                "type": stream.type,
                "codec": stream.codec_context.name if stream.codec_context else None,
                **(
                    {
                        "width": stream.codec_context.width,
                        "height": stream.codec_context.height,
                        "fps": _rate(stream),
                        "pix_fmt": stream.codec_context.pix_fmt,
                    }
                    if stream.type == "video" and stream.codec_context
                    else {}
                ),
                **(
                    {
                        "sample_rate": stream.codec_context.sample_rate,
                        "channels": stream.codec_context.channels,
                    }
                    if stream.type == "audio" and stream.codec_context
                    else {}
                ),
            }
            for stream in container.streams
        ]
        info = {
            "format": fmt,
            "demuxer": container.format.name,
            "size": size,
            "duration": (
                container.duration / 1_000_000
                if container.duration is not None
                else None
            ),
            "streams": streams,
        }
        video_streams = [s for s in container.streams.video if s.codec_context]
        audio = [s for s in container.streams.audio if s.codec_context]
        check_declared(
            container,
            video_streams[0] if video_streams else None,
            audio[0] if audio else None,
            limits,
        )
        if not video_streams:
            code = "audio_only" if container.streams.audio else "no_video"
            raise VideoRejected(code, json.dumps(streams))
        stream = video_streams[0]
        info["video_index"] = stream.index
        info["audio_index"] = audio[0].index if audio else None
        duration = _stream_duration(container, stream)
        if duration is None:
            duration = _measured_duration(path, fmt, stream.index, limits)
            info["duration_measured"] = True
        info["duration"] = duration
        guard_decoder(stream, limits)
        first = _first_frames(container, stream)
        width, height = first.width, first.height
        rotation = first.rotation % 360
        rotation = min((0, 90, 180, 270, 360), key=lambda r: abs(r - rotation)) % 360
        info.update(
            width=width,
            height=height,
            rotation=rotation,
            fps=_rate(stream),
            codec=stream.codec_context.name,
        )
    if duration is None or duration <= 0:
        raise VideoRejected("undecodable", "no duration")
    if duration > limits.max_duration + 0.5:
        raise VideoRejected(
            "too_long",
            f"{duration:.2f} s",
            duration=round(duration, 2),
            limit=limits.max_duration,
        )
    if max(width, height) > limits.max_dimension:
        raise VideoRejected(
            "too_large",
            f"{width}x{height}",
            width=width,
            height=height,
            limit=limits.max_dimension,
        )
    if min(width, height) < MIN_SIDE:
        raise VideoRejected(
            "too_small", f"{width}x{height}", width=width, height=height
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise VideoRejected(
            "bad_shape", f"{width}x{height}", width=width, height=height
        )
    return info


def _measured_duration(path, fmt, index, limits: Limits):
    """The span of the stream's packet timestamps, for a file that does not state
    its duration: a browser's MediaRecorder writes WebM with neither a Duration
    element nor Cues. Demuxing only (no decoding); stops once past the limit."""
    first = end = None
    with open_input(path, fmt) as container:
        stream = container.streams[index]
        time_base = stream.time_base
        rate = _rate(stream)
        # A block's own length is often missing in WebM: count one frame.
        frame = round(1 / rate / time_base) if rate and time_base else 0
        try:
            for packet in _packets(container, [stream]):
                if packet.pts is None:
                    continue
                first = packet.pts if first is None else min(first, packet.pts)
                stop = packet.pts + (packet.duration or frame)
                end = stop if end is None else max(end, stop)
                if float((end - first) * time_base) > limits.max_duration + 1:
                    break
        except _SourceBroken:
            pass  # a cut recording: what was read so far is its length
    if first is None or not time_base:
        return None
    return float((end - first) * time_base)


def _first_frames(container, stream):
    """Decode the first frames of `stream`; the first one, or VideoRejected."""
    first = None
    decoded = 0
    try:
        for frame in container.decode(stream):
            first = first or frame
            decoded += 1
            if decoded >= FIRST_FRAMES:
                break
    except av.FFmpegError as error:
        _raise_if_memory(error)
        if first is None:
            raise VideoRejected("undecodable", f"decoding failed: {error}") from error
    if first is None:
        raise VideoRejected("undecodable", "no frame could be decoded")
    return first


def output_size(width: int, height: int, rotation: int, max_height: int):
    """Upright output size: short side <= max_height, long side <= 16/9 of it, even."""
    if rotation in (90, 270):
        width, height = height, width
    scale = min(
        1.0,
        max_height / min(width, height),
        (max_height * 16 / 9) / max(width, height),
    )
    out_w = max(2, int(width * scale) // 2 * 2)
    out_h = max(2, int(height * scale) // 2 * 2)
    return out_w, out_h


def _video_graph(stream, first_format, width, height, rotation, out_w, out_h):
    graph = av.filter.Graph()
    buffer = graph.add_buffer(
        width=width,
        height=height,
        format=first_format,
        time_base=stream.time_base,
    )
    chain = [buffer]
    # The display matrix rotates counter-clockwise by `rotation` (what PyAV reports
    # as frame.rotation); the same turns as FFmpeg's own autorotate.
    if rotation == 90:
        chain.append(graph.add("transpose", "cclock"))
    elif rotation == 270:
        chain.append(graph.add("transpose", "clock"))
    elif rotation == 180:
        chain += [graph.add("hflip"), graph.add("vflip")]
    chain.append(graph.add("scale", f"{out_w}:{out_h}:flags=bicubic"))
    chain.append(graph.add("format", "yuv420p"))
    chain.append(graph.add("buffersink"))
    graph.link_nodes(*chain).configure()
    return graph


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    video_kbps: int
    audio_kbps: int


def ladder(width: int, height: int, rotation: int, max_height: int, rungs) -> list:
    """The rungs for an upright output, lowest first; the top one is the MP4's size.

    Never upscaled: a rung exists only below the top (and clearly below it, see
    RUNG_MAX_FRACTION); a source smaller than every rung gets a one-rung ladder at
    its own size. Named by the short side, so portrait and landscape read alike.
    """
    top = output_size(width, height, rotation, max_height)
    sizes = [
        output_size(width, height, rotation, short)
        for short in sorted({int(short) for short in rungs})
        if short <= min(top) * RUNG_MAX_FRACTION
    ]
    result = []
    for size in [*sizes, top]:
        name = f"{min(size)}p"
        if any(rung.name == name for rung in result):
            continue
        result.append(
            Rung(
                name=name,
                width=size[0],
                height=size[1],
                video_kbps=max(
                    150, round(REFERENCE_KBPS * (min(size) / REFERENCE_SIDE) ** 1.5)
                ),
                audio_kbps=64 if min(size) <= 240 else 96 if min(size) <= 480 else 128,
            )
        )
    return result


class _PosterPicker:
    """Keeps the best poster candidate seen so far (one picture in memory)."""

    def __init__(self, duration: float):
        duration = max(duration or 0, 0)
        self.times = sorted({round(duration * f, 3) for f in POSTER_AT_FRACTIONS})
        self.best = None  # (good, score, image)

    def offer(self, seconds: float, frame) -> None:
        if not self.times or seconds + 1e-6 < self.times[0]:
            return
        while self.times and seconds + 1e-6 >= self.times[0]:
            self.times.pop(0)
        if self.best is not None and self.best[0]:
            return  # a good one is already chosen: the earliest good one wins
        image = frame.to_image()
        stat = ImageStat.Stat(image.convert("L").resize((64, 64)))
        luma, contrast = stat.mean[0], stat.stddev[0]
        good = (
            POSTER_MIN_LUMA <= luma <= POSTER_MAX_LUMA
            and contrast >= POSTER_MIN_CONTRAST
        )
        score = (
            contrast - max(0, POSTER_MIN_LUMA - luma) - max(0, luma - POSTER_MAX_LUMA)
        )
        if self.best is None or good or score > self.best[1]:
            self.best = (good, score, image)

    def save(self, path) -> bool:
        if self.best is None:
            return False
        self.best[2].save(path, "WEBP", quality=80, method=4)
        return True


class _RungWriter:
    """One rung: filter graph (rotate, scale, yuv420p) -> libx264 + AAC -> the HLS
    muxer's fMP4 segments. Keyframes are forced on every segment boundary (and scene
    cuts turned off), so every rung's segments start at the same instants and a
    player can switch between them at any boundary."""

    def __init__(self, outputs: ExitStack, folder: Path, rung: Rung, vin, rate, limits):
        self.rung = rung
        self.vin = vin
        self.rate = rate
        self.segment = limits.hls_segment_seconds
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.output = outputs.enter_context(
            av.open(
                str(folder / HLS_PLAYLIST),
                mode="w",
                format="hls",
                options={
                    "hls_time": str(self.segment),
                    "hls_playlist_type": "vod",
                    "hls_segment_type": "fmp4",
                    "hls_fmp4_init_filename": HLS_INIT,
                    "hls_segment_filename": str(folder / HLS_SEGMENT),
                    "hls_flags": "independent_segments",
                    "fflags": "+bitexact",
                },
            )
        )
        vout = self.output.add_stream("libx264", rate=rate)
        vout.width, vout.height = rung.width, rung.height
        vout.pix_fmt = "yuv420p"
        vout.time_base = vin.time_base
        vout.codec_context.time_base = vin.time_base
        vout.thread_type = "AUTO"
        vout.codec_context.thread_count = min(MAX_ENCODER_THREADS, os.cpu_count() or 1)
        keyint = max(1, round(float(rate) * self.segment))
        vout.options = {
            "preset": limits.preset,
            "crf": str(limits.crf),
            "profile": "high",
            "maxrate": f"{rung.video_kbps}k",
            "bufsize": f"{rung.video_kbps * 2}k",
            "g": str(keyint * 2),
            "sc_threshold": "0",
        }
        aout = self.output.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
        aout.codec_context.bit_rate = rung.audio_kbps * 1000
        for stream in (vout, aout):
            stream.metadata.clear()
        self.vout, self.aout = vout, aout
        self.graph = None
        self.graph_key = None
        self.last_pts = None
        self.next_key = 0.0
        self.video_end = 0.0
        self.frames = 0

    def push(self, frame, rotation, on_frame=None) -> None:
        key = (frame.width, frame.height, frame.format.name)
        if self.graph is None or key != self.graph_key:
            # flush what the old graph holds before a mid-stream size change
            if self.graph is not None:
                _drain(self.graph, lambda out: self._encode(out, on_frame), flush=True)
            self.graph = _video_graph(
                self.vin,
                frame.format.name,
                frame.width,
                frame.height,
                rotation,
                self.rung.width,
                self.rung.height,
            )
            self.graph_key = key
        self.graph.push(frame)
        _drain(self.graph, lambda out: self._encode(out, on_frame))

    def flush_video(self, on_frame=None) -> None:
        if self.graph is not None:
            _drain(self.graph, lambda out: self._encode(out, on_frame), flush=True)

    def _encode(self, frame, on_frame) -> None:
        if frame.pts is None:
            frame.pts = (self.last_pts + 1) if self.last_pts is not None else 0
        if self.last_pts is not None and frame.pts <= self.last_pts:
            frame.pts = self.last_pts + 1
        self.last_pts = frame.pts
        seconds = float(frame.pts * self.vin.time_base)
        self.video_end = seconds + float(1 / self.rate)
        if seconds + 0.5 / float(self.rate) >= self.next_key:
            frame.pict_type = PictureType.I
            while self.next_key <= seconds + 0.5 / float(self.rate):
                self.next_key += self.segment
        else:
            frame.pict_type = PictureType.NONE
        if on_frame is not None:
            on_frame(seconds, frame)
        self.output.mux(self.vout.encode(frame))
        self.frames += 1

    def push_audio(self, frame) -> None:
        self.output.mux(self.aout.encode(frame))

    def finish(self) -> None:
        self.output.mux(self.vout.encode(None))
        self.output.mux(self.aout.encode(None))
        self.output.metadata.clear()

    def codecs(self) -> str:
        return f"{_avc1_codec(self.vout.codec_context.extradata)},mp4a.40.2"


# What one run of `transcode` makes (docs/decisions.md, "A review copy first"):
# the whole ladder at once (an episode), the review copy (every rung below the top,
# the poster, an MP4 remuxed from the highest of them) or the top rung alone (its
# MP4, and a master playlist naming it after the rungs the review copy made).
STAGE_WHOLE = "whole"
STAGE_REVIEW = "review"
STAGE_TOP = "top"
STAGES = (STAGE_WHOLE, STAGE_REVIEW, STAGE_TOP)


def rungs_for_stage(rungs: list, stage: str) -> list:
    """The rungs one stage encodes. A ladder of one rung has nothing to hold back:
    its review copy is the whole ladder."""
    if stage == STAGE_REVIEW and len(rungs) > 1:
        return rungs[:-1]
    if stage == STAGE_TOP:
        return rungs[-1:]
    return rungs


def transcode(
    source,
    destination,
    poster_path,
    info: dict,
    limits: Limits,
    *,
    hls_dir,
    stage: str = STAGE_WHOLE,
    made: list | None = None,
) -> Result:
    """Stream `source` frame by frame into an HLS ladder in `hls_dir` and a clean
    H.264/AAC faststart MP4 at `destination` (None: the ladder and poster only).

    `stage` says which rungs (rungs_for_stage): one decode feeds every rung made in
    this run. For STAGE_TOP, `made` is the ladder entries the review copy wrote
    (Result.ladder): the master playlist names them and the new top rung, and
    `poster_path` is ignored (the review copy's poster stays).

    Memory stays flat: one decoded frame at a time goes through each rung's filter
    graph (rotate, scale, yuv420p) into its libx264; audio goes through one resampler
    to 48 kHz stereo and into each rung's AAC encoder; a silent AAC track is written
    when the source has no audio. Nothing from the source's metadata is copied. A
    poster (WebP) is the first representative top-rung frame (see _PosterPicker).
    """
    started = time.monotonic()
    rotation = info.get("rotation", 0)
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    full = ladder(
        info["width"],
        info["height"],
        rotation,
        limits.output_max_height,
        limits.hls_rungs,
    )
    rungs = rungs_for_stage(full, stage)
    whole = stage != STAGE_REVIEW or len(rungs) == len(full)
    if stage == STAGE_TOP:
        poster_path = None
    hls_dir = Path(hls_dir)
    poster = _PosterPicker(info.get("duration") or 0)
    max_seconds = limits.max_duration + 1

    with open_input(source, info["format"]) as container, ExitStack() as outputs:
        vin = container.streams[info["video_index"]]
        guard_decoder(vin, limits)
        ain = (
            container.streams[info["audio_index"]]
            if info.get("audio_index") is not None
            else None
        )
        if ain is not None:
            guard_decoder(ain, limits)

        fps = info.get("fps") or 30
        rate = Fraction(min(fps, MAX_OUTPUT_FPS)).limit_denominator(1001)
        writers = [
            _RungWriter(outputs, hls_dir / rung.name, rung, vin, rate, limits)
            for rung in rungs
        ]
        top = writers[-1]
        offer = poster.offer if poster_path else None
        resampler = AudioResampler(
            format="fltp", layout="stereo", rate=AUDIO_RATE, frame_size=AUDIO_FRAME
        )

        last_source_pts = None
        first_pts = None
        # Frames closer than this (in source time_base units) are dropped, which caps
        # slow-motion clips at MAX_OUTPUT_FPS.
        min_gap = 1 / MAX_OUTPUT_FPS / float(vin.time_base) * 0.9
        audio_written = 0  # samples

        def push_video(frame):
            for writer in writers:
                writer.push(frame, rotation, offer if writer is top else None)

        def push_audio(frame):
            nonlocal audio_written
            if frame is not None:
                frame.pts = None
            for out in resampler.resample(frame):
                out.pts = audio_written
                out.time_base = Fraction(1, AUDIO_RATE)
                audio_written += out.samples
                for writer in writers:
                    writer.push_audio(out)

        streams = [vin] + ([ain] if ain is not None else [])
        try:
            for packet in _packets(container, streams):
                if limits.deadline and time.monotonic() > limits.deadline:
                    raise PipelineTimeout(f"after {top.frames} frames")
                if packet.stream is vin:
                    for frame in _decode(vin, packet):
                        if frame.pts is not None:
                            # Start the output at 0 whatever the source's start time.
                            if first_pts is None:
                                first_pts = frame.pts
                            frame.pts -= first_pts
                        seconds = float(frame.pts * vin.time_base) if frame.pts else 0
                        if seconds > max_seconds:
                            raise VideoRejected(
                                "too_long",
                                f"frames run past {max_seconds} s",
                                duration=round(seconds, 2),
                                limit=limits.max_duration,
                            )
                        if (
                            frame.pts is not None
                            and last_source_pts is not None
                            and frame.pts - last_source_pts < min_gap
                        ):
                            continue
                        last_source_pts = frame.pts
                        push_video(frame)
                elif packet.stream is ain:
                    for frame in _decode(ain, packet, tolerant=True):
                        push_audio(frame)
        except _SourceBroken as error:
            if top.frames == 0:
                raise VideoRejected(
                    "undecodable", f"decoding failed: {error}"
                ) from error
            # A truncated tail: keep what decoded cleanly, as players do.
            logger.warning("stopped decoding %s early: %s", source, error)
        for writer in writers:
            writer.flush_video(offer if writer is top else None)
        if top.frames == 0:
            raise VideoRejected("undecodable", "no frame could be decoded")
        if ain is not None:
            push_audio(None)
        # Silence for a missing (or shorter) audio track, so every output has
        # exactly one video and one audio track of the same length.
        target = int(top.video_end * AUDIO_RATE)
        while audio_written < target:
            count = min(AUDIO_FRAME, target - audio_written)
            silence = av.AudioFrame(format="fltp", layout="stereo", samples=count)
            for plane in silence.planes:
                plane.update(bytes(plane.buffer_size))
            silence.sample_rate = AUDIO_RATE
            silence.pts = audio_written
            silence.time_base = Fraction(1, AUDIO_RATE)
            audio_written += count
            for writer in writers:
                writer.push_audio(silence)
        for writer in writers:
            writer.finish()
        codecs = [writer.codecs() for writer in writers]
        frames = top.frames

    poster_written = bool(poster_path) and poster.save(poster_path)
    if poster_path and not poster_written:
        raise VideoRejected("undecodable", "no frame for the poster")
    for rung in rungs:
        _strip_user_data(hls_dir / rung.name / HLS_INIT)
    entries = [
        rung_entry(hls_dir / rung.name, rung, codec)
        for rung, codec in zip(rungs, codecs, strict=True)
    ]
    if stage == STAGE_TOP:
        below = [entry for entry in made or [] if entry["name"] != rungs[-1].name]
        entries = [*below, *entries]
    write_master(hls_dir, entries, rate)
    checked_ladder = verify_ladder(hls_dir, only={rung.name for rung in rungs})
    if destination is not None:
        _remux_rung(hls_dir / rungs[-1].name, destination)
        checked = verify_output(destination)
        size = os.path.getsize(destination)
    else:
        checked = {**checked_ladder[-1]}
        size = 0
    return Result(
        width=checked["width"],
        height=checked["height"],
        duration=checked["duration"],
        output_size=size,
        poster_written=poster_written,
        stats={
            "frames": frames,
            "seconds": round(time.monotonic() - started, 3),
            "audio_samples": audio_written,
        },
        ladder=entries,
        whole=whole,
    )


def _avc1_codec(extradata) -> str:
    """RFC 6381 `avc1.PPCCLL` from the encoder's SPS (Annex B or avcC extradata)."""
    data = bytes(extradata or b"")
    if data[:1] == b"\x01" and len(data) >= 4:
        return "avc1." + data[1:4].hex()
    for start in (b"\x00\x00\x00\x01", b"\x00\x00\x01"):
        index = data.find(start)
        while index != -1:
            nal = data[index + len(start) :]
            if nal and nal[0] & 0x1F == 7 and len(nal) >= 4:
                return "avc1." + nal[1:4].hex()
            index = data.find(start, index + 1)
    return "avc1.640028"


def _strip_user_data(path: Path) -> None:
    """Rewrite an fMP4 init segment without its user-data boxes.

    FFmpeg's HLS muxer sets its own `fflags` on the segment muxer, so `+bitexact`
    never reaches it and it writes its name ("Lavf...") in moov/udta. The init
    segment is a few hundred bytes: rebuilt without `udta` and `meta` under moov and
    each trak (media segments hold only styp/moof/mdat).
    """
    data = path.read_bytes()
    path.write_bytes(_without_boxes(data, descend={b"moov", b"trak"}))


def _without_boxes(data: bytes, *, descend) -> bytes:
    out = bytearray()
    position = 0
    while position < len(data):
        if len(data) - position < 8:
            raise RuntimeError("truncated box in the init segment")
        size = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        if size < 8 or position + size > len(data):
            raise RuntimeError(f"unexpected box size {size} in the init segment")
        box = data[position : position + size]
        position += size
        if kind in (b"udta", b"meta"):
            continue
        if kind in descend:
            children = _without_boxes(box[8:], descend=descend)
            box = (8 + len(children)).to_bytes(4, "big") + kind + children
        out += box
    return bytes(out)


def read_media_playlist(path: Path) -> dict:
    """Parse one of our rung playlists: its init segment and (duration, uri) list.
    Strict: anything we do not write ourselves is refused."""
    lines = [line.strip() for line in Path(path).read_text().splitlines()]
    if not lines or lines[0] != "#EXTM3U" or "#EXT-X-ENDLIST" not in lines:
        raise RuntimeError(f"{path}: not a complete playlist")
    init = None
    segments = []
    duration = None
    target = None
    for line in lines[1:]:
        if line.startswith("#EXT-X-MAP:"):
            init = re.fullmatch(r'#EXT-X-MAP:URI="([^"]+)"', line).group(1)
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            target = int(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            duration = float(line.split(":", 1)[1].rstrip(",").split(",")[0])
        elif line and not line.startswith("#"):
            if duration is None or not RUNG_FILE_RE.fullmatch(line):
                raise RuntimeError(f"{path}: unexpected entry {line!r}")
            segments.append((duration, line))
            duration = None
    if init != HLS_INIT or not segments or target is None:
        raise RuntimeError(f"{path}: no init segment, segments or target duration")
    if any(seconds > target + 0.5 for seconds, _uri in segments):
        raise RuntimeError(f"{path}: a segment is longer than the target duration")
    return {"init": init, "segments": segments, "target": target}


def write_master_playlist(hls_dir: Path, rungs, codecs, rate) -> list:
    """The master playlist of the rungs written in `hls_dir` (see write_master);
    returns their ladder entries."""
    entries = [
        rung_entry(Path(hls_dir) / rung.name, rung, codec)
        for rung, codec in zip(rungs, codecs, strict=True)
    ]
    write_master(Path(hls_dir), entries, rate)
    return entries


def rung_entry(folder: Path, rung, codec: str) -> dict:
    """One rung's ladder entry, with BANDWIDTH as the peak segment bitrate and
    AVERAGE-BANDWIDTH as the mean, both measured on the written files."""
    playlist = read_media_playlist(folder / HLS_PLAYLIST)
    total_bytes = (folder / HLS_INIT).stat().st_size
    total_seconds = 0.0
    peak = 0
    for seconds, uri in playlist["segments"]:
        size = (folder / uri).stat().st_size
        total_bytes += size
        total_seconds += seconds
        if seconds >= 0.5:  # a short last segment says little about the rate
            peak = max(peak, math.ceil(size * 8 / seconds))
    average = math.ceil(total_bytes * 8 / max(total_seconds, 0.001))
    return {
        "name": rung.name,
        "width": rung.width,
        "height": rung.height,
        "bandwidth": max(peak, average),
        "average_bandwidth": average,
        "codecs": codec,
        "segments": len(playlist["segments"]),
        "bytes": total_bytes,
    }


def write_master(hls_dir: Path, entries: list, rate) -> None:
    """The master playlist from ladder entries, lowest rung first (a player that
    starts on the first variant starts fast). From entries rather than files, so
    the top rung, made later, joins rungs whose files are already in storage."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for entry in entries:
        lines += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={entry['bandwidth']},"
            f"AVERAGE-BANDWIDTH={entry['average_bandwidth']},"
            f"RESOLUTION={entry['width']}x{entry['height']},"
            f'CODECS="{entry["codecs"]}",FRAME-RATE={float(rate):.3f}',
            f"{entry['name']}/{HLS_PLAYLIST}",
        ]
    staged = hls_dir / f".{HLS_MASTER}.tmp"
    staged.write_text("\n".join(lines) + "\n")
    os.replace(staged, hls_dir / HLS_MASTER)


def read_master_playlist(path: Path) -> list:
    """[(attributes, uri)] from a master playlist; refuses URIs that are not ours."""
    lines = [line.strip() for line in Path(path).read_text().splitlines()]
    if not lines or lines[0] != "#EXTM3U":
        raise RuntimeError(f"{path}: not a playlist")
    variants = []
    attributes = None
    for line in lines[1:]:
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(
                re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1])
            )
        elif line and not line.startswith("#"):
            rung, _, name = line.partition("/")
            if (
                attributes is None
                or not RUNG_RE.fullmatch(rung)
                or name != HLS_PLAYLIST
            ):
                raise RuntimeError(f"{path}: unexpected entry {line!r}")
            variants.append(({k: v.strip('"') for k, v in attributes.items()}, line))
            attributes = None
    if not variants:
        raise RuntimeError(f"{path}: no variant")
    return variants


def _concatenated(folder: Path, target: Path) -> Path:
    """init + segments in order: one fragmented MP4, as a player sees the rung."""
    playlist = read_media_playlist(folder / HLS_PLAYLIST)
    with target.open("wb") as out:
        for name in [playlist["init"], *(uri for _s, uri in playlist["segments"])]:
            with (folder / name).open("rb") as part:
                while chunk := part.read(1024 * 1024):
                    out.write(chunk)
    return target


def _remux_rung(folder: Path, destination) -> None:
    """The top rung's packets into a faststart MP4 (stream copy, no re-encode)."""
    joined = _concatenated(folder, Path(destination).with_suffix(".rung.mp4"))
    try:
        with (
            av.open(
                str(joined), mode="r", format=FORMATS["mp4"], options=dict(OPEN_OPTIONS)
            ) as source,
            av.open(
                str(destination),
                mode="w",
                format="mp4",
                options={"movflags": "+faststart", "fflags": "+bitexact"},
            ) as output,
        ):
            streams = {}
            starts = []
            for stream in source.streams:
                streams[stream.index] = output.add_stream_from_template(stream)
                streams[stream.index].metadata.clear()
                if stream.start_time is not None:
                    starts.append(stream.start_time * stream.time_base)
            # Fragments carry no edit list: the encoder's reordering delay shows as
            # a late first frame. Shift every stream so the earliest starts at 0
            # (the MP4 muxer then writes the edit list a single file expects).
            offset = min(starts, default=0)
            for packet in source.demux():
                if packet.dts is None:
                    continue  # the demuxer's end-of-stream marker
                shift = round(offset / packet.time_base)
                packet.pts -= shift
                packet.dts -= shift
                packet.stream = streams[packet.stream.index]
                output.mux(packet)
            output.metadata.clear()
    finally:
        joined.unlink(missing_ok=True)


def verify_ladder(hls_dir: Path, only=None) -> list:
    """Re-open every rung (or the rungs named in `only`: those this run made) as a
    player would (init + segments) and check it holds nothing but clean, upright
    H.264 + AAC of the size the master playlist says."""
    checked = []
    for attributes, uri in read_master_playlist(Path(hls_dir) / HLS_MASTER):
        folder = Path(hls_dir) / uri.split("/")[0]
        if only is not None and folder.name not in only:
            continue
        joined = _concatenated(folder, Path(hls_dir) / f".{folder.name}.check.mp4")
        try:
            result = verify_output(joined)
        finally:
            joined.unlink(missing_ok=True)
        if f"{result['width']}x{result['height']}" != attributes.get("RESOLUTION"):
            raise RuntimeError(f"{uri}: {result} does not match {attributes}")
        checked.append(result)
    return checked


def _packets(container, streams):
    packets = container.demux(*streams)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError as error:
            _raise_if_memory(error)
            raise _SourceBroken(str(error)) from error
        yield packet


def _decode(stream, packet, tolerant=False):
    try:
        return stream.decode(packet)
    except av.FFmpegError as error:
        _raise_if_memory(error)
        if tolerant:
            return []
        raise _SourceBroken(str(error)) from error


def _drain(graph, sink, flush=False):
    if flush:
        try:
            graph.push(None)
        except (av.FFmpegError, ValueError) as error:
            _raise_if_memory(error)
            return
    while True:
        try:
            frame = graph.pull()
        except (av.BlockingIOError, av.EOFError):
            return
        sink(frame)


def verify_output(path) -> dict:
    """Re-open our output and check it holds nothing but clean H.264 + AAC."""
    with av.open(
        str(path), mode="r", format="mp4", options=dict(OPEN_OPTIONS)
    ) as container:
        leftovers = set(container.metadata) - TECHNICAL_CONTAINER_KEYS
        kinds = sorted(stream.type for stream in container.streams)
        for stream in container.streams:
            leftovers |= {
                f"{stream.type}:{key}"
                for key in stream.metadata
                if key not in TECHNICAL_STREAM_KEYS
            }
        if leftovers:
            raise RuntimeError(f"metadata left in the output: {sorted(leftovers)}")
        if kinds != ["audio", "video"]:
            raise RuntimeError(f"unexpected output streams: {kinds}")
        if getattr(container, "chapters", None) and container.chapters():
            raise RuntimeError("chapters left in the output")
        video = container.streams.video[0]
        if video.codec_context.name != "h264":
            raise RuntimeError(f"output codec {video.codec_context.name}")
        frame = next(container.decode(video))
        if frame.rotation % 360:
            raise RuntimeError(f"output still carries a rotation ({frame.rotation})")
        duration = _stream_duration(container, video)
        return {
            "width": frame.width,
            "height": frame.height,
            "duration": round(duration, 3) if duration else None,
        }


def describe_exception(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
