"""The video pipeline's work on files: sniff, probe, validate, transcode, poster.

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
import os
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
from av.audio.resampler import AudioResampler

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
POSTER_AT_SECONDS = 1.0
POSTER_AT_FRACTION = 0.10


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


def transcode(source, destination, poster_path, info: dict, limits: Limits) -> Result:
    """Stream `source` frame by frame into a clean H.264/AAC MP4 at `destination`.

    Memory stays flat: one decoded frame at a time goes through the filter graph
    (rotate, scale, yuv420p) into libx264; audio goes through a resampler to 48 kHz
    stereo AAC; a silent AAC track is written when the source has no audio. Nothing
    from the source's metadata is copied. A poster (WebP) is taken from the upright
    output frame nearest POSTER_AT_SECONDS / POSTER_AT_FRACTION.
    """
    started = time.monotonic()
    rotation = info.get("rotation", 0)
    out_w, out_h = output_size(
        info["width"], info["height"], rotation, limits.output_max_height
    )
    poster_at = min(POSTER_AT_SECONDS, (info.get("duration") or 0) * POSTER_AT_FRACTION)
    poster_written = False
    max_seconds = limits.max_duration + 1

    with (
        open_input(source, info["format"]) as container,
        av.open(
            str(destination),
            mode="w",
            format="mp4",
            options={"movflags": "+faststart", "fflags": "+bitexact"},
        ) as output,
    ):
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
        vout = output.add_stream("libx264", rate=rate)
        vout.width, vout.height = out_w, out_h
        vout.pix_fmt = "yuv420p"
        vout.time_base = vin.time_base
        vout.codec_context.time_base = vin.time_base
        vout.thread_type = "AUTO"
        vout.codec_context.thread_count = 0
        vout.options = {
            "preset": limits.preset,
            "crf": str(limits.crf),
            "profile": "high",
        }
        aout = output.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
        aout.codec_context.bit_rate = 128_000
        for stream in (vout, aout):
            stream.metadata.clear()
        resampler = AudioResampler(
            format="fltp", layout="stereo", rate=AUDIO_RATE, frame_size=AUDIO_FRAME
        )

        graph = None
        graph_key = None
        last_pts = None
        last_source_pts = None
        first_pts = None
        # Frames closer than this (in source time_base units) are dropped, which caps
        # slow-motion clips at MAX_OUTPUT_FPS.
        min_gap = 1 / MAX_OUTPUT_FPS / float(vin.time_base) * 0.9
        audio_written = 0  # samples
        video_end = 0.0
        frames = 0

        def encode_video(frame):
            nonlocal last_pts, frames, poster_written, video_end
            if frame.pts is None:
                frame.pts = (last_pts + 1) if last_pts is not None else 0
            if last_pts is not None and frame.pts <= last_pts:
                frame.pts = last_pts + 1
            last_pts = frame.pts
            seconds = float(frame.pts * vin.time_base)
            video_end = seconds + float(1 / rate)
            if not poster_written and poster_path and seconds >= poster_at:
                frame.to_image().save(poster_path, "WEBP", quality=80, method=4)
                poster_written = True
            output.mux(vout.encode(frame))
            frames += 1

        def filter_video(frame):
            nonlocal graph, graph_key
            key = (frame.width, frame.height, frame.format.name)
            if graph is None or key != graph_key:
                # flush what the old graph holds before a mid-stream size change
                if graph is not None:
                    _drain(graph, encode_video, flush=True)
                graph = _video_graph(
                    vin,
                    frame.format.name,
                    frame.width,
                    frame.height,
                    rotation,
                    out_w,
                    out_h,
                )
                graph_key = key
            graph.push(frame)
            _drain(graph, encode_video)

        def push_audio(frame):
            nonlocal audio_written
            if frame is not None:
                frame.pts = None
            for out in resampler.resample(frame):
                out.pts = audio_written
                out.time_base = Fraction(1, AUDIO_RATE)
                audio_written += out.samples
                output.mux(aout.encode(out))

        streams = [vin] + ([ain] if ain is not None else [])
        try:
            for packet in _packets(container, streams):
                if limits.deadline and time.monotonic() > limits.deadline:
                    raise PipelineTimeout(f"after {frames} frames")
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
                        filter_video(frame)
                elif packet.stream is ain:
                    for frame in _decode(ain, packet, tolerant=True):
                        push_audio(frame)
        except _SourceBroken as error:
            if frames == 0:
                raise VideoRejected(
                    "undecodable", f"decoding failed: {error}"
                ) from error
            # A truncated tail: keep what decoded cleanly, as players do.
            logger.warning("stopped decoding %s early: %s", source, error)
        if graph is not None:
            _drain(graph, encode_video, flush=True)
        if frames == 0:
            raise VideoRejected("undecodable", "no frame could be decoded")
        if ain is not None:
            push_audio(None)
        # Silence for a missing (or shorter) audio track, so every output has
        # exactly one video and one audio track of the same length.
        target = int(video_end * AUDIO_RATE)
        while audio_written < target:
            count = min(AUDIO_FRAME, target - audio_written)
            silence = av.AudioFrame(format="fltp", layout="stereo", samples=count)
            for plane in silence.planes:
                plane.update(bytes(plane.buffer_size))
            silence.sample_rate = AUDIO_RATE
            silence.pts = audio_written
            silence.time_base = Fraction(1, AUDIO_RATE)
            audio_written += count
            output.mux(aout.encode(silence))
        output.mux(vout.encode(None))
        output.mux(aout.encode(None))
        output.metadata.clear()

    if poster_path and not poster_written:
        raise VideoRejected("undecodable", "no frame for the poster")
    checked = verify_output(destination)
    return Result(
        width=checked["width"],
        height=checked["height"],
        duration=checked["duration"],
        output_size=os.path.getsize(destination),
        poster_written=poster_written,
        stats={
            "frames": frames,
            "seconds": round(time.monotonic() - started, 3),
            "audio_samples": audio_written,
        },
    )


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
