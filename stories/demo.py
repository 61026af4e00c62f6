"""Demo content for the story series: six episodes, animated clips, captions.

`load_stories` is run by `manage.py demo_content` (and so by `make run`). It is
idempotent: episodes are matched by slug, and a clip is rendered and sent through the
real pipeline (`video_create`) only for an episode that has no usable video yet.
Every episode it writes is marked `is_demo`; an episode staff have unmarked (the real
one is in place) is never touched again.
"""

import datetime as dt
import io
import math
import tempfile
from array import array
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from core.drawing import heart_points

from .demo_text import BEHIND, DEMO_CUE, EPISODES, SERIES
from .models import Caption, Episode, Series
from .services import teaser_request
from .webvtt import reading_seconds, write_webvtt

LANGUAGES = ("en", "it", "fr", "de")
# The demo clips: portrait, as the campaign's vertical videos; at least this long,
# and longer when their captions need the time (demo_timeline).
DEMO_CLIP = {"seconds": 6, "width": 540, "height": 960, "fps": 24}
# A sine melody needs no more: mono at 24 kHz keeps a long demo clip quick to encode.
MELODY_RATE = 24000
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# In the name of every demo clip this loader sends through the pipeline; a clip
# without it was drawn before the handle moved to the reveal frames only (it showed
# the creator from the second second on, and on the poster), so it is drawn again.
DEMO_CLIP_DRAWING = "reveal-at-end"


def _font(size: int, bold: bool = True):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(FONT_DIR / name), size)
    except OSError:
        return ImageFont.load_default(size=size)


def _wrap(draw, text: str, font, max_width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= max_width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _ease(value: float) -> float:
    value = min(1.0, max(0.0, value))
    return 1 - (1 - value) ** 3


def _gradient(size, top, bottom) -> Image.Image:
    width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        mix = y / max(1, height - 1)
        column.putpixel(
            (0, y),
            tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)),
        )
    return column.resize(size)


def _story_frame(base, t, reveal, *, title, handle, ink, size) -> Image.Image:
    """One frame: title, two figures and a heart, then the creator reveal. The
    handle is drawn on the reveal frames only: the series names its creator at the
    end, and the poster is picked from the frames before it."""
    width, height = size
    if t >= reveal:
        return _reveal_frame(t - reveal, handle=handle, ink=ink, size=size)
    image = base.copy()
    draw = ImageDraw.Draw(image)
    unit = width / 540
    _demo_label(draw, width, unit, ink)
    # Title drops in during the first second.
    title_font = _font(int(54 * unit))
    lines = _wrap(draw, title, title_font, int(width * 0.84))
    y = int(height * 0.16 - (1 - _ease(t / 0.8)) * 120 * unit)
    for line in lines:
        draw.text(
            (width / 2, y),
            line,
            font=title_font,
            fill=ink,
            anchor="ma",
            stroke_width=max(2, int(3 * unit)),
            stroke_fill=(31, 29, 43),
        )
        y += int(66 * unit)
    # Two figures walk towards each other; a heart grows between them.
    approach = _ease((t - 0.6) / 2.2)
    ground = int(height * 0.66)
    for side in (-1, 1):
        x = width / 2 + side * (width * 0.36 - approach * width * 0.16)
        bob = math.sin(t * 7 + side) * 6 * unit
        radius = 34 * unit
        draw.ellipse(
            (
                x - radius,
                ground - 190 * unit + bob,
                x + radius,
                ground - 122 * unit + bob,
            ),
            fill=ink,
        )
        draw.rounded_rectangle(
            (x - 44 * unit, ground - 112 * unit + bob, x + 44 * unit, ground + bob),
            radius=int(30 * unit),
            fill=ink,
        )
    grow = _ease((t - 2.4) / 1.0)
    if grow > 0:
        pulse = 1 + 0.08 * math.sin(t * 9)
        _heart(draw, width / 2, ground - 150 * unit, 46 * unit * grow * pulse)
    return image


def _demo_label(draw, width, unit, ink) -> None:
    """Burnt into every frame: this clip is a generated placeholder."""
    draw.text(
        (width / 2, 28 * unit),
        "DEMO",
        font=_font(int(26 * unit)),
        fill=ink,
        anchor="ma",
    )


def _heart(draw, cx, cy, size):
    draw.polygon(heart_points(cx, cy, size, steps=60), fill=(225, 29, 72))


def _reveal_frame(t, *, handle, ink, size) -> Image.Image:
    width, height = size
    unit = width / 540
    image = Image.new("RGB", size, (31, 29, 43))
    draw = ImageDraw.Draw(image)
    fade = _ease(t / 0.5)
    light = tuple(int(31 + (255 - 31) * fade) for _ in range(3))
    _demo_label(draw, width, unit, (255, 255, 255))
    draw.text(
        (width / 2, height * 0.40),
        "#CreateKindness",
        font=_font(int(34 * unit), bold=False),
        fill=light,
        anchor="mm",
    )
    draw.text(
        (width / 2, height * 0.50),
        handle,
        font=_font(int(58 * unit)),
        fill=light,
        anchor="mm",
    )
    _heart(draw, width / 2, height * 0.62, 30 * unit * fade)
    return image


def render_story_clip(
    path,
    *,
    title: str,
    handle: str,
    colours=((255, 183, 197), (124, 58, 237)),
    seconds: float = 6,
    width: int = 540,
    height: int = 960,
    fps: int = 24,
    reveal: float | None = None,
) -> Path:
    """An animated H.264/AAC MP4: title and figures, then a reveal frame with the
    handle (at `reveal` seconds, by default shortly before the end)."""
    reveal = reveal_at(seconds) if reveal is None else reveal
    path = Path(path)
    size = (width, height)
    base = _gradient(size, colours[0], colours[1])
    ink = (255, 255, 255)
    frame_count = int(seconds * fps)
    with av.open(str(path), "w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "26"}
        audio = output.add_stream("aac", rate=MELODY_RATE, layout="mono")
        for index in range(frame_count):
            picture = _story_frame(
                base,
                index / fps,
                reveal,
                title=title,
                handle=handle,
                ink=ink,
                size=size,
            )
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
        _write_melody(output, audio, seconds)
    return path


def _melody_cycle(rate: int) -> bytes:
    """One round of the arpeggio (four notes of half a second), mono s16. Each
    note starts at phase 0 under an envelope that starts at 0, so rounds join
    without a click and a long clip repeats it instead of computing every sample."""
    notes = (523.25, 659.25, 783.99, 659.25)
    note_length = rate // 2
    samples = array("h")
    for n in range(note_length * len(notes)):
        within = n % note_length
        envelope = min(1.0, within / 800) * (1 - within / note_length)
        frequency = notes[n // note_length]
        value = int(6000 * envelope * math.sin(2 * math.pi * frequency * within / rate))
        samples.append(value)
    return samples.tobytes()


def _write_melody(output, stream, seconds: float) -> None:
    """A soft sine arpeggio, one note every half second."""
    rate = MELODY_RATE
    cycle = _melody_cycle(rate)
    frame_bytes = 2  # one channel of 16 bits
    cycle_samples = len(cycle) // frame_bytes
    total = int(seconds * rate)
    pts = 0
    while pts < total:
        start = pts % cycle_samples
        count = min(1024, total - pts, cycle_samples - start)
        frame = av.AudioFrame(format="s16", layout="mono", samples=count)
        frame.sample_rate = rate
        frame.pts = pts
        frame.time_base = Fraction(1, rate)
        frame.planes[0].update(
            cycle[start * frame_bytes : (start + count) * frame_bytes]
        )
        output.mux(stream.encode(frame))
        pts += count
    output.mux(stream.encode(None))


def render_avatar(handle: str, colours) -> bytes:
    """A round placeholder avatar with the handle's first letter, as PNG bytes."""
    size = 192
    image = _gradient((size, size), colours[0], colours[1])
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, size - 1, size - 1), fill=255)
    image.putalpha(mask)
    ImageDraw.Draw(image).text(
        (size / 2, size / 2),
        handle.lstrip("@")[:1].upper(),
        font=_font(96),
        fill=(255, 255, 255),
        anchor="mm",
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def reveal_at(seconds: float) -> float:
    """When a clip of `seconds` without a caption time line switches to the reveal."""
    return seconds - min(1.6, seconds / 4)


@dataclass(frozen=True)
class DemoTimeline:
    """One clip's time line, the same in every language: the notice and the title
    until `title_end`, the description until `reveal` (the creator reveal frame),
    the credit until `seconds`, the end of the clip."""

    title_end: float
    reveal: float
    seconds: float


CAPTIONS_START = 0.1
CUE_GAP = 0.05
# A breath more than the least reading time, for each part of the clip.
CUE_BREATH = 0.4


def demo_timeline(texts, *, minimum: float = 0) -> DemoTimeline:
    """The shortest time line (at least `minimum` seconds) on which every language's
    captions can be read at READING_CPS. `texts`: (notice, title, line, behind) for
    each language; the clip is one for all languages, so each part lasts as long as
    its longest translation needs."""
    texts = list(texts)
    opening = max(reading_seconds(f"{notice}\n{title}") for notice, title, *_ in texts)
    middle = max(reading_seconds(line) for *_, line, _behind in texts)
    closing = max(reading_seconds(behind) for *_, behind in texts)
    title_end = CAPTIONS_START + opening + CUE_BREATH + CUE_GAP
    reveal = title_end + middle + CUE_BREATH + CUE_GAP
    seconds = reveal + closing + CUE_BREATH + CUE_GAP
    if seconds < minimum:  # more time than the words need: the middle part gets it
        reveal += minimum - seconds
        seconds = minimum
    return DemoTimeline(
        title_end=round(title_end, 2),
        reveal=round(reveal, 2),
        seconds=round(seconds, 2),
    )


def demo_captions(
    *,
    title: str,
    line: str,
    behind: str,
    notice: str,
    seconds: float = 6,
    timeline: DemoTimeline | None = None,
) -> str:
    """The demo clip's WebVTT: the demo notice first, then the title, the
    description and the credit, each split by the writer into screens that can be
    read (stories/webvtt.py). Without a `timeline`, one made for this language
    alone, at least `seconds` long."""
    timeline = timeline or demo_timeline(
        [(notice, title, line, behind)], minimum=seconds
    )
    cues = [
        (CAPTIONS_START, timeline.title_end - CUE_GAP, f"{notice}\n{title}"),
        (timeline.title_end, timeline.reveal - CUE_GAP, line),
        (timeline.reveal, timeline.seconds - CUE_GAP, behind),
    ]
    return write_webvtt(cues, until=timeline.seconds)


def _publish_dates(count: int) -> list[dt.datetime]:
    """Spread over the campaign so far (all in the past, so all six are visible)."""
    from campaign.selectors import campaign_current

    now = timezone.now()
    campaign = campaign_current()
    start = campaign.starts_at if campaign else now - dt.timedelta(days=7)
    start = min(start, now - dt.timedelta(days=1))
    span = min(now - start, dt.timedelta(days=30))
    return [start + span * index / count for index in range(count)]


def _clip_name(slug: str) -> str:
    return f"{slug}-{DEMO_CLIP_DRAWING}.mp4"


def _needs_video(episode: Episode, seconds: float = 0) -> bool:
    """No usable video, one made before the captions needed `seconds` (an older
    demo clip, too short to read them), or one drawn before the handle was kept
    for the reveal (`DEMO_CLIP_DRAWING`)."""
    video = episode.video
    if video is None or video.status == video.Status.FAILED:
        return True
    if video.original_name != _clip_name(episode.slug):
        return True
    return bool(video.duration) and video.duration < seconds - 0.5


def load_stories(stdout=None) -> None:
    from videos.services import video_create, video_delete

    series, _ = Series.objects.update_or_create(
        slug=SERIES["slug"],
        defaults={key: value for key, value in SERIES.items() if key != "slug"},
    )
    dates = _publish_dates(len(EPISODES))
    rendered = 0
    kept = set(
        Episode.objects.filter(
            slug__in=[data["slug"] for data in EPISODES], is_demo=False
        ).values_list("slug", flat=True)
    )
    for order, data in enumerate(EPISODES):
        if data["slug"] in kept:
            continue  # staff put the real episode here: not ours to overwrite
        handle = data["handle"]
        defaults = {
            "is_demo": True,
            "creator_quote": "",
            "series": series,
            "order": order,
            "creator_handle": handle,
            "creator_name": handle.lstrip("@"),
            "situation": data["situation"],
            "publish_at": dates[order],
        }
        for language in LANGUAGES:
            title, synopsis, tips = data[language]
            defaults[f"creator_quote_{language}"] = ""
            defaults[f"title_{language}"] = title
            defaults[f"synopsis_{language}"] = synopsis
            defaults[f"tips_{language}"] = tips
        episode, _ = Episode.objects.update_or_create(
            slug=data["slug"], defaults=defaults
        )
        if not episode.creator_avatar:
            episode.creator_avatar.save(
                f"{data['slug']}.png",
                ContentFile(render_avatar(handle, data["colours"])),
                save=True,
            )
        timeline = demo_timeline(
            (
                (
                    DEMO_CUE[code],
                    data[code][0],
                    data[code][1],
                    BEHIND[code].format(handle=handle),
                )
                for code in LANGUAGES
            ),
            minimum=DEMO_CLIP["seconds"],
        )
        for language in LANGUAGES:
            title, description, _tips = data[language]
            Caption.objects.update_or_create(
                episode=episode,
                language=language,
                defaults={
                    "text": demo_captions(
                        title=title,
                        line=description,
                        behind=BEHIND[language].format(handle=handle),
                        notice=DEMO_CUE[language],
                        timeline=timeline,
                    )
                },
            )
        if _needs_video(episode, seconds=timeline.seconds):
            replaced = episode.video_id
            with tempfile.TemporaryDirectory() as folder:
                clip = render_story_clip(
                    Path(folder) / _clip_name(data["slug"]),
                    title=data["en"][0],
                    handle=handle,
                    colours=data["colours"],
                    **{**DEMO_CLIP, "seconds": timeline.seconds},
                    reveal=timeline.reveal,
                )
                with clip.open("rb") as handle_file:
                    episode.video = video_create(
                        file=File(handle_file, name=clip.name),
                        original_name=clip.name,
                    )
            with transaction.atomic():
                episode.save(update_fields=["video", "updated_at"])
                if replaced:  # the older demo clip: no episode shows it any more
                    video_delete(video_id=replaced)
            rendered += 1
    # Once the clips are processed (at once when tasks run eagerly, else by the
    # worker, whose hook asks again): the series teaser on the home page.
    teaser_request()
    if stdout:
        stdout.write(
            f"story series: {len(EPISODES) - len(kept)} demo episodes in place, "
            f"{len(kept)} replaced by staff and left alone, "
            f"{rendered} demo video(s) rendered and queued for processing"
        )
