"""Generate small real video clips with PyAV + Pillow (tests, demo content, bench).

    from videos.clips import make_clip
    make_clip(tmp_path / "clip.mp4", seconds=2, text="Hello")

The container follows the file's extension: .mp4/.m4v (mp4), .mov (QuickTime),
.mkv/.webm (Matroska with VP9/Opus for .webm), .avi (MPEG-4 Part 2 + MP3).

`rotation` works like a phone: the frames are stored sideways (`width` x `height` as
coded) and the stream carries a display rotation, so a player shows them upright. The
picture is drawn upright with a red band along its top edge, so a test can check that
the pipeline's output is upright (see `top_band_is_red`).
"""

from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw

_CONTAINERS = {
    ".mp4": ("mp4", "libx264", "aac"),
    ".m4v": ("mp4", "libx264", "aac"),
    ".mov": ("mov", "libx264", "aac"),
    ".mkv": ("matroska", "libx264", "aac"),
    ".webm": ("webm", "libvpx-vp9", "libopus"),
    ".avi": ("avi", "mpeg4", "libmp3lame"),
}
MARKER_RGB = (220, 30, 30)


def make_clip(
    path,
    *,
    seconds: float = 2,
    width: int = 320,
    height: int = 240,
    fps: int = 15,
    audio: bool = True,
    text: str | None = None,
    rotation: int = 0,
    metadata: dict | None = None,
    preset: str = "ultrafast",
    start: float = 0,
    audio_layout: str = "stereo",
    live: bool = False,
    black_start: float = 0,
) -> Path:
    """Write a clip of coloured frames (and a sine tone) to `path`; return the path.

    `metadata` becomes container tags (e.g. {"location": "+45.4642+009.1900/",
    "com.apple.quicktime.location.ISO6709": ..., "creation_time": ...}); for MP4/MOV
    they are written with movflags use_metadata_tags, as phones do. `start` shifts
    every timestamp (seconds), like a clip cut out of a longer recording.

    `audio_layout` is an FFmpeg layout name ("5.1", "7.1", ...): the tone is written
    on every channel. `live` writes Matroska/WebM the way a browser's MediaRecorder
    does: no Duration element and no Cues (the muxer's `live` option).
    `black_start` opens the clip with that many seconds of black, like a fade-in.
    """
    path = Path(path)
    container_format, video_codec, audio_codec = _CONTAINERS[path.suffix.lower()]
    rotation = rotation % 360
    sideways = rotation in (90, 270)
    display_size = (height, width) if sideways else (width, height)
    frame_count = max(1, round(seconds * fps))
    options = {}
    if metadata and container_format in ("mp4", "mov"):
        options["movflags"] = "use_metadata_tags"
    if live:
        options["live"] = "1"

    with av.open(str(path), "w", format=container_format, options=options) as output:
        if metadata:
            output.metadata.update(metadata)
        video = output.add_stream(video_codec, rate=fps)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        if video_codec == "libx264":
            video.options = {"preset": preset, "crf": "28"}
        elif video_codec == "libvpx-vp9":
            video.options = {"deadline": "realtime", "cpu-used": "8", "crf": "40"}
        if rotation:
            video.set_display_rotation(rotation)
        tone = None
        if audio:
            tone = output.add_stream(audio_codec, rate=48000, layout=audio_layout)
        base = _base_picture(display_size, text)
        for index in range(frame_count):
            picture = _frame_picture(base, index, frame_count)
            if index < black_start * fps:
                picture = Image.new("RGB", picture.size, (0, 0, 0))
            if rotation:
                # Stored sideways: rotating it by `rotation` (counter-clockwise, as
                # the display matrix says) gives the upright picture back.
                picture = picture.rotate(-rotation, expand=True)
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index + round(start * fps)
            frame.time_base = Fraction(1, fps)
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        if tone is not None:
            _write_tone(output, tone, frame_count / fps, start, audio_layout)
    return path


def _base_picture(size, text):
    width, height = size
    image = Image.new("RGB", size, (40, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, max(2, height // 6)), fill=MARKER_RGB)
    if text:
        font_size = max(10, min(width, height) // 10)
        try:
            from PIL import ImageFont

            font = ImageFont.load_default(size=font_size)
        except (TypeError, OSError):  # pragma: no cover - very old Pillow
            font = None
        draw.text(
            (width // 2, height // 2),
            text,
            fill=(255, 255, 255),
            anchor="mm",
            font=font,
        )
    return image


def _frame_picture(base, index, frame_count):
    """The base picture with a small square moving along the bottom edge."""
    image = base.copy()
    width, height = image.size
    side = max(4, min(width, height) // 8)
    x = int((width - side) * index / max(1, frame_count - 1))
    y = height - side - 2
    ImageDraw.Draw(image).rectangle((x, y, x + side, y + side), fill=(250, 220, 60))
    return image


def _write_tone(output, stream, seconds, start=0, layout="stereo"):
    import math

    rate = 48000
    samples_per_frame = 1024
    total = int(seconds * rate)
    step = 2 * math.pi * 440 / rate
    pts = 0
    while pts < total:
        count = min(samples_per_frame, total - pts)
        frame = av.AudioFrame(format="s16", layout=layout, samples=count)
        channels = len(frame.layout.channels)
        frame.sample_rate = rate
        frame.pts = pts + round(start * rate)
        frame.time_base = Fraction(1, rate)
        values = bytearray()
        for n in range(pts, pts + count):
            sample = int(8000 * math.sin(step * n)).to_bytes(2, "little", signed=True)
            values += sample * channels
        frame.planes[0].update(bytes(values))
        output.mux(stream.encode(frame))
        pts += count
    output.mux(stream.encode(None))


def top_band_is_red(image: Image.Image) -> bool:
    """True when the picture shows make_clip's red marker along its top edge."""
    image = image.convert("RGB")
    width, height = image.size
    red, green, blue = image.getpixel((width // 2, max(0, height // 24)))
    return red > 150 and green < 110 and blue < 110
