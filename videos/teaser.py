"""The series teaser's video work: a few seconds of several processed videos, cut,
joined and re-encoded into one short, muted, portrait (9:16) H.264 MP4 for phones,
and its poster (the teaser's first frame). Files only, no models: which episodes,
which seconds and when to remake it is stories/teaser.py's business, storing it
videos.services.video_teaser_create's.

The sources are this pipeline's own outputs (videos/<id>/video.mp4: upright H.264
that went through `probe` and the memory ceiling when it was first processed), so
they are read in the worker itself, still through the pipeline's own safe opening
(`open_input`: explicit demuxer, the file protocol only) and with the decoder's
pixel ceiling. Every part is resampled to TEASER_FPS (the last frame shown is held),
scaled to cover TEASER_SIZE and centre-cropped: a part that is not 9:16 is cropped,
never stretched. No audio track at all: the teaser is muted, and a track nobody
hears would cost bytes on every phone.
"""

import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageOps

from videos.pipeline import (
    FORMATS,
    OPEN_OPTIONS,
    TECHNICAL_CONTAINER_KEYS,
    TECHNICAL_STREAM_KEYS,
    PipelineTimeout,
    open_input,
    sniff_format,
)

TEASER_SIZE = (360, 640)  # width, height: 9:16, plenty for a phone's first screen
TEASER_FPS = 24
TEASER_CRF = 30
TEASER_PRESET = "veryfast"
# A cap on the peaks (VBV) so that a busy part cannot make the file heavy.
TEASER_MAX_KBPS = 600
# One keyframe a second: a browser looping the file seeks back to a keyframe.
TEASER_KEYINT = TEASER_FPS


@dataclass(frozen=True)
class Part:
    """Seconds `start` to `end` of the video file at `path`."""

    path: Path
    start: float
    end: float

    @property
    def frames(self) -> int:
        return part_frames(self.start, self.end)


def part_frames(start: float, end: float) -> int:
    """How many teaser frames a part of `end - start` seconds becomes: the teaser's
    timeline counts whole frames, so callers that place captions use this too."""
    return max(0, round((end - start) * TEASER_FPS))


def cut_teaser(
    parts: list[Part],
    destination,
    poster_path,
    *,
    max_pixels: int,
    deadline: float | None = None,
) -> dict:
    """Write the teaser of `parts`, in order, to `destination` (faststart MP4) and
    its first frame to `poster_path` (WebP); return verify_teaser's findings."""
    width, height = TEASER_SIZE
    poster = None
    written = 0
    with av.open(
        str(destination),
        mode="w",
        format="mp4",
        options={"movflags": "+faststart", "fflags": "+bitexact"},
    ) as output:
        stream = output.add_stream("libx264", rate=TEASER_FPS)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, TEASER_FPS)
        stream.codec_context.time_base = Fraction(1, TEASER_FPS)
        stream.options = {
            "preset": TEASER_PRESET,
            "crf": str(TEASER_CRF),
            "profile": "high",
            "maxrate": f"{TEASER_MAX_KBPS}k",
            "bufsize": f"{TEASER_MAX_KBPS * 2}k",
            "g": str(TEASER_KEYINT),
        }
        stream.metadata.clear()
        for part in parts:
            for image in _part_images(part, max_pixels=max_pixels):
                if deadline and time.monotonic() > deadline:
                    raise PipelineTimeout(f"teaser: after {written} frames")
                if poster is None:
                    poster = image
                frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
                frame.pts = written
                frame.time_base = Fraction(1, TEASER_FPS)
                output.mux(stream.encode(frame))
                written += 1
        if not written:
            raise ValueError("the teaser has no frame: every part was empty")
        output.mux(stream.encode(None))
        output.metadata.clear()
    poster.save(poster_path, "WEBP", quality=80, method=4)
    return {**verify_teaser(destination), "frames": written}


def _part_images(part: Part, *, max_pixels: int):
    """The part's pictures at TEASER_FPS, each covering TEASER_SIZE: the picture
    shown at teaser time t is the source's latest frame at or before start + t."""
    count = part.frames
    if count <= 0:
        return
    fmt = sniff_format(part.path)
    with open_input(part.path, fmt) as container:
        source = container.streams.video[0]
        source.codec_context.options = {"max_pixels": str(max_pixels)}
        source.thread_type = "AUTO"
        if part.start > 0 and source.time_base:
            # To the keyframe at or before the start; frames before it are skipped.
            container.seek(
                int(part.start / source.time_base), stream=source, backward=True
            )
        emitted = 0
        shown = None  # (time, picture) of the latest frame at or before the slot
        for frame in container.decode(source):
            if frame.time is None:
                continue
            while (
                shown is not None
                and emitted < count
                and part.start + emitted / TEASER_FPS < frame.time - 1e-6
            ):
                yield shown
                emitted += 1
            if emitted >= count:
                return
            shown = _cover(frame.to_image())
        while shown is not None and emitted < count:
            yield shown
            emitted += 1


def _cover(image: Image.Image) -> Image.Image:
    """Scaled to cover TEASER_SIZE and centre-cropped: no stretching, no bars."""
    return ImageOps.fit(image.convert("RGB"), TEASER_SIZE, Image.Resampling.BICUBIC)


def verify_teaser(path) -> dict:
    """Re-open the teaser and check it is what phones are promised: one H.264
    video stream of TEASER_SIZE, no audio, no metadata left."""
    with av.open(
        str(path), mode="r", format=FORMATS["mp4"], options=dict(OPEN_OPTIONS)
    ) as container:
        kinds = [stream.type for stream in container.streams]
        if kinds != ["video"]:
            raise RuntimeError(f"unexpected teaser streams: {kinds}")
        leftovers = set(container.metadata) - TECHNICAL_CONTAINER_KEYS
        video = container.streams.video[0]
        leftovers |= set(video.metadata) - TECHNICAL_STREAM_KEYS
        if leftovers:
            raise RuntimeError(f"metadata left in the teaser: {sorted(leftovers)}")
        if video.codec_context.name != "h264":
            raise RuntimeError(f"teaser codec {video.codec_context.name}")
        frame = next(container.decode(video))
        if (frame.width, frame.height) != TEASER_SIZE:
            raise RuntimeError(f"teaser is {frame.width}x{frame.height}")
        duration = float(video.duration * video.time_base) if video.duration else None
        return {"width": frame.width, "height": frame.height, "duration": duration}
