"""Time to first frame and stalls on a slow phone connection: one MP4 vs the HLS ladder.

    .venv/bin/python bench/playback.py                  # 1.6 Mbit/s, 150 ms, 3 runs each
    .venv/bin/python bench/playback.py --seconds 30 --runs 5 --down 1.6 --latency 150

Self-contained: in a temporary DATA_DIR it
1. generates a busy 1280x720 30 fps clip with sound (moving gradient, noise and text,
   so the bitrate is phone-like), and runs it through the real pipeline
   (videos.services.video_process: the ladder, the MP4, the poster);
2. makes "today's" single MP4 from the same clip the way the pipeline did before
   streaming (libx264 veryfast CRF 23, no bitrate cap, faststart) and gives it a
   second Video row without a ladder;
3. publishes one episode for each, starts the site (`manage.py runserver`, the real
   checked media view), and in Debian's Chromium (Playwright, DevTools network
   emulation: --down Mbit/s, --latency ms) opens each episode page, presses play as
   soon as the page has loaded (and, for hls.js, the player is attached) and records
   the time from play() to the first presented frame (requestVideoFrameCallback; also
   from opening the page), then every stall ("waiting" after the first frame) and its
   length until the clip ends. Variants alternate in the same run: the single MP4, the
   ladder as Chromium plays it (natively), and the ladder through hls.js (native HLS
   hidden from the page, as in browsers without it).
Prints one line per run, the medians, and the first-frame ratio.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from fractions import Fraction
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]

SETUP = r"""
import json, sys, datetime as dt
import django
django.setup()
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", verbosity=0)
from stories.models import Episode, Series
from videos import services
from videos.models import Video, private_storage
services._enqueue = lambda video_id: None
clip, today = sys.argv[1], sys.argv[2]
with open(clip, "rb") as handle:
    video = services.video_create(file=File(handle, name="bench.mp4"), original_name="bench.mp4")
video = services.video_process(video_id=video.pk)
assert video.status == "ready", (video.failure_code, video.failure_detail)
old = Video.objects.create(status="ready", width=video.width, height=video.height,
                           duration=video.duration, original_name="today.mp4")
with open(today, "rb") as handle:
    old.output.save("video.mp4", File(handle), save=False)
old.poster.name = video.poster.name
old.save()
series = Series.objects.create(slug="bench", title_en="Bench")
for slug, item in (("hls", video), ("mp4", old)):
    Episode.objects.create(series=series, slug=slug, order=0 if slug == "hls" else 1,
        publish_at=timezone.now() - dt.timedelta(days=1), video=item,
        title_en=slug, synopsis_en="bench", creator_handle="@bench", creator_name="bench")
print(json.dumps({"ladder": video.ladder, "mp4_bytes": video.output_size,
                  "today_bytes": old.output.size, "width": video.width,
                  "height": video.height}))
"""

# Runs in the page: play, first presented frame, stalls until the end.
MEASURE = """
async (limitMs) => {
  const v = document.querySelector('video');
  const t0 = performance.now();
  let first = null, fromOpen = null, stalls = 0, stalled = 0, since = null;
  const firstFrame = new Promise((resolve) => {
    v.requestVideoFrameCallback(() => {
      fromOpen = performance.now();  // since navigation start
      first = fromOpen - t0;
      resolve();
    });
  });
  v.addEventListener('waiting', () => {
    if (first !== null && !v.ended && since === null) { stalls += 1; since = performance.now(); }
  });
  v.addEventListener('playing', () => {
    if (since !== null) { stalled += performance.now() - since; since = null; }
  });
  v.muted = true;
  await v.play();
  await firstFrame;
  await new Promise((resolve) => {
    if (v.ended) return resolve();
    v.addEventListener('ended', resolve, { once: true });
    setTimeout(resolve, limitMs);
  });
  if (since !== null) stalled += performance.now() - since;
  const level = v.hls ? v.hls.levels.map(l => l.height) : null;
  return { first_frame_ms: first, from_open_ms: fromOpen, stalls, stalled_ms: stalled, ended: v.ended,
           mode: v.dataset.streamMode || 'mp4', current: v.currentTime,
           levels: level, last_level: v.hls ? v.hls.levels[v.hls.currentLevel]?.height : null };
}
"""


# mp4: today's single MP4; hls: the ladder as the browser plays it (Chromium has
# native HLS); hlsjs: the same page with native HLS hidden, so static/js/stream.js
# plays it through hls.js (Firefox, older Chromium).
VARIANTS = ("mp4", "hls", "hlsjs")
WITHOUT_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
};
"""


def make_clip(path: Path, seconds: int) -> Path:
    import av
    from PIL import Image, ImageDraw

    fps, width, height = 30, 1280, 720
    with av.open(str(path), "w", format="mp4") as output:
        video = output.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "16"}
        audio = output.add_stream("aac", rate=48000, layout="stereo")
        gradient = Image.linear_gradient("L").resize((width, height))
        base = Image.merge("RGB", (gradient, gradient.rotate(90), gradient.rotate(180)))
        grain = Image.effect_noise((width // 2, height // 2), 30).resize(
            (width, height)
        )
        cycle = []  # two seconds of frames, repeated: phone-like detail and motion
        for index in range(fps * 2):
            image = Image.blend(base.rotate(index * 6), grain.convert("RGB"), 0.1)
            draw = ImageDraw.Draw(image)
            x = int((width - 200) * index / (fps * 2))
            draw.rectangle((x, 500, x + 200, 650), fill=(250, 220, 60))
            draw.text((60, 60), f"Kindness Hub playback bench {index}", fill="white")
            cycle.append(av.VideoFrame.from_image(image).reformat(format="yuv420p"))
        for index in range(seconds * fps):
            frame = cycle[index % len(cycle)]
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        import math

        samples = 1024
        for index in range(seconds * 48000 // samples):
            frame = av.AudioFrame(format="s16", layout="stereo", samples=samples)
            values = bytearray()
            for n in range(index * samples, (index + 1) * samples):
                value = int(6000 * math.sin(2 * math.pi * 330 * n / 48000))
                values += value.to_bytes(2, "little", signed=True) * 2
            frame.planes[0].update(bytes(values))
            frame.sample_rate = 48000
            frame.pts = index * samples
            frame.time_base = Fraction(1, 48000)
            output.mux(audio.encode(frame))
        output.mux(audio.encode(None))
    return path


def make_today_mp4(source: Path, target: Path) -> Path:
    """The single MP4 as the pipeline wrote it before streaming: 720p, libx264
    veryfast CRF 23, no bitrate cap, AAC 128k, faststart."""
    import av

    with (
        av.open(str(source)) as container,
        av.open(
            str(target), "w", format="mp4", options={"movflags": "+faststart"}
        ) as out,
    ):
        vin, ain = container.streams.video[0], container.streams.audio[0]
        vout = out.add_stream("libx264", rate=30)
        vout.width, vout.height, vout.pix_fmt = 1280, 720, "yuv420p"
        vout.options = {"preset": "veryfast", "crf": "23", "profile": "high"}
        aout = out.add_stream("aac", rate=48000, layout="stereo")
        aout.codec_context.bit_rate = 128_000
        for packet in container.demux(vin, ain):
            for frame in packet.decode():
                if packet.stream is vin:
                    frame.pict_type = av.video.frame.PictureType.NONE
                    out.mux(vout.encode(frame))
                else:
                    frame.pts = None
                    out.mux(aout.encode(frame))
        out.mux(vout.encode(None))
        out.mux(aout.encode(None))
    return target


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="clip length")
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant")
    parser.add_argument("--down", type=float, default=1.6, help="Mbit/s down")
    parser.add_argument("--up", type=float, default=0.75, help="Mbit/s up")
    parser.add_argument("--latency", type=float, default=150, help="ms")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kh-playback-") as folder:
        work = Path(folder)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATA_DIR": str(work / "data"),
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(BASE_DIR),
        }
        started = time.perf_counter()
        clip = make_clip(work / "clip.mp4", args.seconds)
        today = make_today_mp4(clip, work / "today.mp4")
        print(
            f"clip: {args.seconds} s 1280x720 30 fps ({clip.stat().st_size / 1e6:.1f} MB),"
            f" made in {time.perf_counter() - started:.0f} s"
        )
        setup = subprocess.run(
            [sys.executable, "-c", SETUP, str(clip), str(today)],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        )
        if setup.returncode:
            raise SystemExit(setup.stderr)
        facts = json.loads(setup.stdout.strip().splitlines()[-1])
        seconds = args.seconds
        print(
            f"today's MP4: {facts['today_bytes'] / 1e6:.2f} MB "
            f"({facts['today_bytes'] * 8 / seconds / 1e6:.2f} Mbit/s)"
        )
        for rung in facts["ladder"]:
            print(
                f"HLS {rung['name']:>5} {rung['width']}x{rung['height']}: "
                f"BANDWIDTH {rung['bandwidth'] / 1e6:.2f} Mbit/s, average "
                f"{rung['average_bandwidth'] / 1e6:.2f}, {rung['segments']} segments"
            )

        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            env=env,
            cwd=BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            results = run_browser(base, args, seconds)
        finally:
            server.terminate()
            server.wait(timeout=10)

    print(
        f"profile: {args.down} Mbit/s down, {args.up} up, {args.latency:.0f} ms latency"
        " (DevTools network emulation), cache off, each run in a fresh context"
    )
    medians = {}
    for variant in VARIANTS:
        runs = results[variant]
        first = statistics.median(run["first_frame_ms"] for run in runs) / 1000
        opened = statistics.median(run["from_open_ms"] for run in runs) / 1000
        stalls = statistics.median(run["stalls"] for run in runs)
        stalled = statistics.median(run["stalled_ms"] for run in runs) / 1000
        medians[variant] = first
        label = {"mp4": "single MP4", "hls": f"HLS ({runs[0]['mode']})"}.get(
            variant, f"HLS ({runs[0]['mode']}, forced)"
        )
        print(
            f"{label:>24}: first frame {first:.2f} s after play "
            f"({opened:.2f} s after opening the page), stalls {stalls:g}, "
            f"stalled {stalled:.2f} s  [first frames: "
            + ", ".join(f"{run['first_frame_ms'] / 1000:.2f}" for run in runs)
            + "; stalls: "
            + ", ".join(
                f"{run['stalls']}/{run['stalled_ms'] / 1000:.1f}s" for run in runs
            )
            + "]"
        )
    for variant in ("hls", "hlsjs"):
        print(
            f"first-frame speed-up, MP4 / {variant}: "
            f"{medians['mp4'] / medians[variant]:.2f}x"
        )


def run_browser(base: str, args, seconds: int) -> dict:
    from playwright.sync_api import sync_playwright

    results = {variant: [] for variant in VARIANTS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for index in range(args.runs * len(VARIANTS)):
                variant = VARIANTS[index % len(VARIANTS)]
                context = browser.new_context(
                    viewport={"width": 390, "height": 844}, is_mobile=True
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send(
                    "Network.emulateNetworkConditions",
                    {
                        "offline": False,
                        "latency": args.latency,
                        "downloadThroughput": args.down * 1e6 / 8,
                        "uploadThroughput": args.up * 1e6 / 8,
                    },
                )
                if variant == "hlsjs":
                    page.add_init_script(WITHOUT_NATIVE_HLS)
                slug = "mp4" if variant == "mp4" else "hls"
                page.goto(f"{base}/en/stories/{slug}/", wait_until="load")
                if variant == "hlsjs":  # pressed once the player is ready
                    page.wait_for_function(
                        "() => !!document.querySelector('video').hls"
                    )
                run = page.evaluate(MEASURE, (seconds * 4 + 30) * 1000)
                results[variant].append(run)
                print(
                    f"  run {index // len(VARIANTS) + 1} {variant}: {json.dumps(run)}"
                )
                context.close()
        finally:
            browser.close()
    return results


if __name__ == "__main__":
    main()
