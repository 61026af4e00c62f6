"""Time to first frame and stalls on a slow phone connection: one MP4 vs the HLS ladder.

    .venv/bin/python bench/playback.py                  # 1.6 Mbit/s, 150 ms, 5 runs each
    .venv/bin/python bench/playback.py --seconds 30 --runs 7 --down 1.6 --latency 150

Self-contained: in a temporary DATA_DIR it
1. generates a busy 1280x720 30 fps clip with sound (moving gradient, noise and text,
   so the bitrate is phone-like), and runs it through the real pipeline
   (videos.services.video_process: the ladder, the MP4, the poster);
2. makes "today's" single MP4 from the same clip the way the pipeline did before
   streaming (libx264 veryfast CRF 23, no bitrate cap, faststart) and gives it a
   second Video row without a ladder;
3. publishes one episode for each and serves the site as in production
   (DJANGO_DEBUG=0, collected and compressed static files, the real checked media
   view) with `manage.py runserver`;
4. in Debian's Chromium (Playwright, a fresh context, so an empty cache, per run;
   DevTools network emulation: --down Mbit/s, --latency ms) opens each episode page,
   waits for its load event (plus --tap-delay), presses play, and records the first
   presented frame (requestVideoFrameCallback: the same definition for every
   variant), both from pressing play and from opening the page, then every stall
   ("waiting" after the first frame) and its length until the clip ends. Every
   request is recorded through DevTools; the first run of each variant prints its
   waterfall (when each request was sent, answered and finished).
Variants alternate in the same run: the single MP4, the ladder as this Chromium
plays it (natively), and the ladder through hls.js (native HLS hidden from the page,
as in browsers without it). Prints one line per run, the medians with their min-max,
the first-frame ratios, and a last line saying whether the goals are met.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402  (bench/harness.py)

BASE_DIR = Path(__file__).resolve().parent.parent

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

# Runs in the page once it has loaded (plus --tap-delay): presses play, then the
# first presented frame (requestVideoFrameCallback, the same for every variant;
# "playing" with currentTime > 0 is recorded beside it as a cross-check), and every
# stall ("waiting" after the first frame) with its length until the clip ends.
# Times are performance.now(), i.e. milliseconds since the navigation started.
MEASURE = """
async ([limitMs, tapDelayMs]) => {
  const v = document.querySelector('video');
  if (tapDelayMs) await new Promise((resolve) => setTimeout(resolve, tapDelayMs));
  let first = null, frame = null, playing = null, stalls = 0, stalled = 0, since = null;
  const firstFrame = new Promise((resolve) => {
    v.requestVideoFrameCallback((now, meta) => {
      first = performance.now();
      frame = { width: meta.width, height: meta.height, media_time: meta.mediaTime };
      resolve();
    });
  });
  const onTime = () => {
    if (playing === null && !v.paused && v.currentTime > 0) playing = performance.now();
  };
  v.addEventListener('timeupdate', onTime);
  v.addEventListener('playing', onTime);
  v.addEventListener('waiting', () => {
    if (first !== null && !v.ended && since === null) { stalls += 1; since = performance.now(); }
  });
  v.addEventListener('playing', () => {
    if (since !== null) { stalled += performance.now() - since; since = null; }
  });
  v.muted = true;
  const tap = performance.now();
  await v.play();
  await firstFrame;
  await new Promise((resolve) => {
    if (v.ended) return resolve();
    v.addEventListener('ended', resolve, { once: true });
    setTimeout(resolve, limitMs);
  });
  if (since !== null) stalled += performance.now() - since;
  const hls = v.hls;
  return { tap_ms: tap, first_frame_ms: first - tap, from_open_ms: first,
           playing_ms: playing === null ? null : playing - tap,
           frame, stalls, stalled_ms: stalled, ended: v.ended,
           mode: v.dataset.streamMode || 'mp4', current: v.currentTime,
           levels: hls ? hls.levels.map(l => l.height) : null,
           last_level: hls ? hls.levels[hls.currentLevel]?.height : null };
}
"""


# mp4: today's single MP4; hls: the ladder as the page plays it in this browser
# (Chromium 156 has native HLS, so stream.js leaves it to the browser); hlsjs: the
# same page in a browser without native HLS (Firefox, older Chromium), so
# static/js/stream.js plays it through hls.js. Chromium 156 has no switch to turn its
# HLS player off, so the page is told it has none (canPlayType), and the <source>
# of the playlist is made unplayable before the element picks one: the <video>
# then starts on the MP4 (its preload="metadata" fetches included) until hls.js
# takes over, as in Firefox. Hiding canPlayType alone would leave Chromium's own
# HLS player preloading the first segments into the cache for hls.js.
VARIANTS = ("mp4", "hls", "hlsjs")
# The page is told the browser has no HLS player (canPlayType)...
WITHOUT_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
};
"""
# ...and, as in Firefox, the playlist's <source> cannot be played either, so the
# <video> picks the MP4 until stream.js takes over (tests/e2e/test_streaming.py too).
LIKE_FIREFOX = (
    WITHOUT_NATIVE_HLS
    + """
new MutationObserver((changes) => {
  for (const change of changes) {
    for (const node of change.addedNodes) {
      if (node.nodeName === "SOURCE" && /mpegurl/i.test(node.type)) {
        node.type = "application/x-no-native-hls";
      }
    }
  }
}).observe(document, { childList: true, subtree: true });
"""
)


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="clip length")
    parser.add_argument("--runs", type=int, default=5, help="runs of each variant")
    parser.add_argument("--down", type=float, default=1.6, help="Mbit/s down")
    parser.add_argument("--up", type=float, default=0.75, help="Mbit/s up")
    parser.add_argument("--latency", type=float, default=150, help="ms")
    parser.add_argument(
        "--tap-delay",
        type=float,
        default=0,
        help="ms between the page's load event and pressing play (0: at once)",
    )
    parser.add_argument(
        "--waterfall",
        type=int,
        default=1,
        help="print the requests of the first N runs of each variant",
    )
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
        # The site is served as in production (DJANGO_DEBUG=0): collected static
        # files, compressed by whitenoise (hls.js is 389 KB raw, a third of that
        # compressed), long-lived and fingerprinted. Plain http on loopback.
        served_env = {
            **env,
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": "bench-only-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(work / "static"),
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
        collect = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            env=served_env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        )
        if collect.returncode:
            raise SystemExit(collect.stderr)
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
            env=served_env,
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

    report(results, args)


def _spread(values) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def report(results: dict, args) -> None:
    print(
        f"profile: {args.down} Mbit/s down, {args.up} up, {args.latency:.0f} ms latency"
        " (DevTools network emulation); each run in a fresh browser context (empty"
        f" cache); play pressed {args.tap_delay:.0f} ms after the load event; variants"
        " alternate"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    medians = {}
    for variant in VARIANTS:
        runs = results[variant]
        firsts = [run["first_frame_ms"] / 1000 for run in runs]
        opened = [run["from_open_ms"] / 1000 for run in runs]
        stalls = [run["stalls"] for run in runs]
        stalled = [run["stalled_ms"] / 1000 for run in runs]
        before = [run["bytes_before_tap"] / 1000 for run in runs]
        medians[variant] = statistics.median(firsts)
        label = {"mp4": "single MP4", "hls": f"HLS ({runs[0]['mode']})"}.get(
            variant, f"HLS ({runs[0]['mode']}, forced)"
        )
        rungs = sorted({run["frame"]["height"] for run in runs})
        print(
            f"{label:>22}: first frame {_spread(firsts)} after play, "
            f"{_spread(opened)} after opening the page; first frame "
            f"{'/'.join(f'{h}p' for h in rungs)}; stalls median "
            f"{statistics.median(stalls):g} (max {max(stalls)}), stalled "
            f"{statistics.median(stalled):.2f} s; fetched before play "
            f"{statistics.median(before):.0f} kB"
        )
    verdicts = []
    for variant in ("hls", "hlsjs"):
        runs = results[variant]
        ratio = medians["mp4"] / medians[variant] if medians[variant] else 0
        failed = []
        if medians[variant] > 2.0:
            failed.append(f"first frame {medians[variant]:.2f} s > 2 s")
        if any(run["stalls"] for run in runs):
            failed.append(f"{sum(run['stalls'] for run in runs)} stalls")
        if ratio < 2.0:
            failed.append(f"only {ratio:.2f}x the MP4's first frame (goal >= 2x)")
        print(f"first-frame speed-up, MP4 / {variant}: {ratio:.2f}x")
        verdicts.append(
            f"{variant} ({runs[0]['mode']}, first frame {medians[variant]:.2f} s after "
            f"play, MP4 {medians['mp4']:.2f} s): "
            + ("met" if not failed else "NOT met: " + ", ".join(failed))
        )
    print(
        "goals: first frame (median, from pressing play) <= 2 s, zero stalls in every"
        " run, >= 2x faster first frame than the single MP4"
    )
    print("RESULT " + "; ".join(verdicts))


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
                number = index // len(VARIANTS) + 1
                context = browser.new_context(
                    viewport={"width": 390, "height": 844}, is_mobile=True
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                requests = Requests(cdp)
                cdp.send("Network.enable")
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
                    page.add_init_script(LIKE_FIREFOX)
                slug = "mp4" if variant == "mp4" else "hls"
                page.goto(f"{base}/en/stories/{slug}/", wait_until="load")
                run = page.evaluate(
                    MEASURE, [(seconds * 4 + 30) * 1000, args.tap_delay]
                )
                run["bytes_before_tap"] = requests.bytes_before(run["tap_ms"])
                run["source"] = page.evaluate(
                    "() => document.querySelector('video').currentSrc"
                )
                run["requests_before_frame"] = requests.count_before(
                    run["from_open_ms"]
                )
                results[variant].append(run)
                frame = run["frame"]
                print(
                    f"  run {number} {variant:<5} first frame "
                    f"{run['first_frame_ms'] / 1000:.2f} s after play "
                    f"({run['from_open_ms'] / 1000:.2f} s after opening; play at "
                    f"{run['tap_ms'] / 1000:.2f} s; 'playing' +"
                    f"{(run['playing_ms'] or 0) / 1000:.2f} s), "
                    f"{frame['width']}x{frame['height']}, stalls {run['stalls']} / "
                    f"{run['stalled_ms'] / 1000:.1f} s, {run['mode']}"
                    + (f", ended on {run['last_level']}p" if run["levels"] else "")
                    + f"; {run['bytes_before_tap'] / 1000:.0f} kB before play, "
                    f"{run['requests_before_frame']} requests before the first frame"
                )
                if number <= args.waterfall:
                    requests.print_waterfall(run["tap_ms"], run["from_open_ms"])
                context.close()
        finally:
            browser.close()
    return results


class Requests:
    """Every request of the page as DevTools saw it (the media element's own
    requests too), in ms since the document's request was sent."""

    def __init__(self, cdp):
        self.items = {}
        self.origin = None
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event):
        if self.origin is None:
            self.origin = event["timestamp"]
        url = event["request"]["url"].split("://", 1)[-1].split("/", 1)[-1]
        self.items.setdefault(
            event["requestId"],
            {
                "url": "/" + url,
                "sent": self._ms(event),
                "end": None,
                "bytes": 0,
                "received": [],
            },
        )
        if "Range" in event["request"].get("headers", {}):
            self.items[event["requestId"]]["url"] += (
                f" [{event['request']['headers']['Range']}]"
            )

    def _response(self, event):
        item = self.items.get(event["requestId"])
        if item is not None:
            item["first_byte"] = self._ms(event)

    def _data(self, event):
        item = self.items.get(event["requestId"])
        if item is not None:
            item["bytes"] += event.get("encodedDataLength", 0)
            item["received"].append(
                (self._ms(event), event.get("encodedDataLength", 0))
            )

    def _finished(self, event):
        item = self.items.get(event["requestId"])
        if item is not None:
            item["end"] = self._ms(event)
            item["bytes"] = max(item["bytes"], event["encodedDataLength"])

    def _failed(self, event):
        item = self.items.get(event["requestId"])
        if item is not None:
            item["end"] = self._ms(event)
            item["failed"] = event.get("errorText", "failed")

    def _ms(self, event):
        return (event["timestamp"] - self.origin) * 1000

    def bytes_before(self, ms):
        """Bytes that had arrived (all requests, headers included) by `ms`."""
        return sum(
            size
            for item in self.items.values()
            for at, size in item["received"]
            if at <= ms
        )

    def count_before(self, ms):
        return sum(1 for item in self.items.values() if item["sent"] <= ms)

    def print_waterfall(self, tap_ms, frame_ms):
        print(f"      {'sent':>7} {'1st byte':>8} {'end':>7} {'kB':>6}  request")
        marks = [(tap_ms, "play pressed"), (frame_ms, "first frame")]
        for item in sorted(self.items.values(), key=lambda item: item["sent"]):
            while marks and marks[0][0] <= item["sent"]:
                print(f"      {marks[0][0]:7.0f}  --- {marks.pop(0)[1]}")
            end = f"{item['end']:7.0f}" if item["end"] is not None else "      -"
            first = item.get("first_byte")
            first = f"{first:8.0f}" if first is not None else "       -"
            print(
                f"      {item['sent']:7.0f} {first} {end} "
                f"{item['bytes'] / 1000:6.1f}  {item['url'][:90]}"
                + (f" ({item['failed']})" if item.get("failed") else "")
            )
        for ms, label in marks:
            print(f"      {ms:7.0f}  --- {label}")


if __name__ == "__main__":
    main()
