"""Benchmark the video pipeline against the ffmpeg CLI doing the same transcode.

    .venv/bin/python bench/transcode.py            # 60 s 1080p + 10 min low-complexity
    .venv/bin/python bench/transcode.py --long 0   # skip the 10 min memory run

1. Generates a 60 s 1920x1080 30 fps clip with sound (PyAV; x264 ultrafast at a
   high quality, so decoding is phone-like work) and a long low-complexity one.
2. Runs each through videos.services.video_process in a fresh child process (its own
   DATA_DIR and SQLite database), timing the call and reading the child's peak RSS
   with resource.getrusage(RUSAGE_CHILDREN).
3. Runs /usr/bin/ffmpeg on the 60 s clip with the same settings: libx264 with the
   configured preset/CRF and automatic threads, scale to 720p, AAC 48 kHz stereo,
   faststart, metadata dropped.
The two sides alternate (ffmpeg, pipeline, ffmpeg, pipeline …, --pairs pairs, through
bench/harness.py); each pair gives one ratio pipeline / ffmpeg.
Prints each time, realtime factors, peak memory, `ratio <median pipeline / ffmpeg>`
with its min-max, and last whether the spread stayed within ±15 %.

Ladder mode (`--ladder`): the pipeline writes the HLS ladder (and the MP4, a remux of
its top rung) in every mode; with --ladder the ffmpeg side produces the same ladder
in one process (run_ffmpeg_ladder: split + scale per rung, the same x264 options,
bitrate caps and forced keyframes, fMP4 HLS with a master playlist), so the ratio
compares like with like. The long run then shows the ladder's peak memory.
    .venv/bin/python bench/transcode.py --ladder --seconds 20 --pairs 2 --long 120

Review copy (docs/decisions.md, "A review copy first"): after the pairs, the same
clip goes --review-runs times through the two stages a participant's upload takes,
in a fresh child each: video_process as a review copy (every rung below the top,
the poster, the 480p MP4), then video_top_make (the top rung and its MP4, made on
approval). Timed and CPU-counted inside the child around each call (Django's
start-up left out, the transcode child's included), it prints upload complete ->
waiting for review as a fraction of the clip's duration, and core-seconds per
second of video for a rejected entry (the review copy only) and an approved one
(both stages), against the goals of issue 34.
    .venv/bin/python bench/transcode.py --ladder --long 0 --review-runs 3
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

from harness import alternate, header, verdict  # noqa: E402  (bench/harness.py)

CHILD = r"""
import json, os, sys, time
import django
django.setup()
from django.core.files import File
from django.core.management import call_command
call_command("migrate", verbosity=0)
from videos import services
services._enqueue = lambda video_id: None  # time video_process alone, not the copy
path = sys.argv[1]
if path == "--noop":
    print(json.dumps({"seconds": 0}))
    raise SystemExit
with open(path, "rb") as handle:
    video = services.video_create(file=File(handle, name="bench.mp4"), original_name="bench.mp4")
started = time.perf_counter()
video = services.video_process(video_id=video.pk)
seconds = time.perf_counter() - started
assert video.status == "ready", (video.failure_code, video.failure_detail)
print(json.dumps({"seconds": seconds, "width": video.width, "height": video.height,
                  "duration": video.duration, "output_size": video.output_size}))
"""


# The two stages of a participant's upload, each timed and CPU-counted here (the
# bounded transcode child is waited for, so RUSAGE_CHILDREN holds its time).
REVIEW_CHILD = r"""
import json, resource, sys, time
import django
django.setup()
from django.core.files import File
from django.core.management import call_command
call_command("migrate", verbosity=0)
from videos import owners, services
services._enqueue = lambda video_id: None
owners.register_owner(
    is_public=lambda video: None,
    on_finished=lambda video: None,
    review_first=lambda video: True,
    top_rung=lambda video: owners.TOP_MAKE,
)

def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

with open(sys.argv[1], "rb") as handle:
    video = services.video_create(file=File(handle, name="bench.mp4"), original_name="bench.mp4")
started, used = time.perf_counter(), cpu()
video = services.video_process(video_id=video.pk)
review_seconds, review_cpu = time.perf_counter() - started, cpu() - used
assert video.status == "ready" and video.top_rung == "waiting", (video.status, video.top_rung, video.failure_detail)
started, used = time.perf_counter(), cpu()
video = services.video_top_make(video_id=video.pk)
top_seconds, top_cpu = time.perf_counter() - started, cpu() - used
assert video.top_rung == "", (video.top_rung, video.failure_detail)
print(json.dumps({"review_seconds": review_seconds, "review_cpu": review_cpu,
                  "top_seconds": top_seconds, "top_cpu": top_cpu,
                  "duration": video.duration, "rungs": [r["name"] for r in video.ladder]}))
"""


def make_source(path: Path, seconds: int, *, busy: bool) -> Path:
    """A 1080p30 H.264/AAC clip. `busy` adds a moving gradient and text (the 60 s
    comparison); otherwise a calm picture with one moving square (the long run)."""
    import av
    from PIL import Image, ImageDraw

    fps, width, height = 30, 1920, 1080
    with av.open(str(path), "w", format="mp4") as output:
        video = output.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "18" if busy else "28"}
        video.thread_type = "AUTO"
        audio = output.add_stream("aac", rate=48000, layout="stereo")
        gradient = Image.linear_gradient("L").resize((width, height))
        base = Image.merge("RGB", (gradient, gradient.rotate(90), gradient.rotate(180)))
        cycle = []
        for index in range(fps * 2):
            image = (
                base.rotate(index * 3)
                if busy
                else Image.new("RGB", (width, height), (40, 90, 160))
            )
            draw = ImageDraw.Draw(image)
            x = int((width - 200) * index / (fps * 2))
            draw.rectangle((x, 800, x + 200, 1000), fill=(250, 220, 60))
            if busy:
                draw.text(
                    (100, 100), f"Kindness Hub bench {index}", fill=(255, 255, 255)
                )
            frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
            cycle.append(frame)
        for index in range(seconds * fps):
            frame = cycle[index % len(cycle)]
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        samples = 1024
        for index in range(seconds * 48000 // samples):
            frame = av.AudioFrame(format="fltp", layout="stereo", samples=samples)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate = 48000
            frame.pts = index * samples
            frame.time_base = Fraction(1, 48000)
            output.mux(audio.encode(frame))
        output.mux(audio.encode(None))
    return path


def _child_env(data_dir: Path) -> dict:
    """A pipeline child's settings: its own SQLite and DATA_DIR, no limits in the way."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'bench.sqlite3'}",
        "REDIS_URL": "",
        "VIDEO_MAX_DURATION_SECONDS": "100000",
        "VIDEO_MAX_UPLOAD_BYTES": str(1 << 40),
        "VIDEO_SOFT_TIME_LIMIT": "100000",
        "LOG_LEVEL": "WARNING",
    }


def run_pipeline(source: Path, work: Path) -> dict:
    """video_process in a fresh process; wall time measured inside, peak RSS outside."""
    data_dir = work / f"data-{source.stem}"
    data_dir.mkdir()
    env = _child_env(data_dir)
    stdout, returncode, peak_kb, cpu = _run_measured(
        [sys.executable, "-c", CHILD, str(source)], env
    )
    if returncode:
        raise SystemExit(f"pipeline child failed:\n{stdout}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = peak_kb / 1024
    result["cpu_seconds"] = cpu
    shutil.rmtree(data_dir, ignore_errors=True)
    return result


def run_review_copy(source: Path, work: Path) -> dict:
    """The review copy, then the top rung, in a fresh process (REVIEW_CHILD)."""
    data_dir = work / f"data-review-{source.stem}"
    data_dir.mkdir()
    # whatever the environment says, this run measures the review copy
    env = {**_child_env(data_dir), "VIDEO_REVIEW_COPY_FIRST": "1"}
    stdout, returncode, _peak_kb, _cpu = _run_measured(
        [sys.executable, "-c", REVIEW_CHILD, str(source)], env
    )
    if returncode:
        raise SystemExit(f"review copy child failed:\n{stdout}")
    shutil.rmtree(data_dir, ignore_errors=True)
    return json.loads(stdout.strip().splitlines()[-1])


def review_copy_report(runs: list[dict], seconds: float) -> list[str]:
    """The review copy's figures against issue 34's goals, medians of the runs."""

    def median(values):
        values = sorted(values)
        middle = len(values) // 2
        return (
            values[middle]
            if len(values) % 2
            else (values[middle - 1] + values[middle]) / 2
        )

    to_review = [run["review_seconds"] / seconds for run in runs]
    rejected = [run["review_cpu"] / seconds for run in runs]
    top = [run["top_cpu"] / seconds for run in runs]
    approved = [r + t for r, t in zip(rejected, top, strict=True)]
    spread = (max(to_review) - min(to_review)) / median(to_review) / 2 * 100
    review_times = ", ".join(f"{run['review_seconds']:.2f} s" for run in runs)

    def goal(value, limit):
        return f"goal <= {limit}: {'met' if value <= limit else 'NOT met'}"

    return [
        f"review copy {seconds:g} s clip, rungs {', '.join(runs[0]['rungs'])}",
        f"upload complete -> waiting for review: {median(to_review):.3f}x the clip's "
        f"duration ({goal(round(median(to_review), 3), 0.25)}), spread ±{spread:.0f} %"
        f"  [runs: {review_times}]",
        f"top rung on approval: {median(run['top_seconds'] for run in runs):.2f} s",
        f"core-s per video-s, rejected (review copy): {median(rejected):.3f} "
        f"({goal(round(median(rejected), 3), 0.4)})"
        f"  [runs: {', '.join(f'{value:.3f}' for value in rejected)}]",
        f"core-s per video-s, approved (review copy + top rung): "
        f"{median(approved):.3f} ({goal(round(median(approved), 3), 1.0)}; "
        f"top rung {median(top):.3f})"
        f"  [runs: {', '.join(f'{value:.3f}' for value in approved)}]",
    ]


def _run_measured(command, env):
    """Run a child; return (output, exit code, its own peak RSS in KiB, CPU seconds).

    os.wait4 hands back the rusage of exactly this child (ru_maxrss in KiB on Linux);
    its CPU time includes the children it waited for (the bounded transcode child).
    """
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return log.read(), process.returncode, usage.ru_maxrss, cpu


def run_ffmpeg(source: Path, work: Path, preset: str, crf: int) -> tuple[float, float]:
    target = work / "ffmpeg.mp4"
    command = [
        "/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source),
        "-map", "0:v:0", "-map", "0:a:0",
        "-vf", "scale=-2:720:flags=bicubic,format=yuv420p",
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-profile:v", "high",
        "-threads", "0",
        "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
        "-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact",
        "-movflags", "+faststart", str(target),
    ]  # fmt: skip
    started = time.perf_counter()
    output, returncode, peak_kb, _cpu = _run_measured(command, dict(os.environ))
    seconds = time.perf_counter() - started
    if returncode:
        raise SystemExit(f"ffmpeg failed:\n{output}")
    return seconds, peak_kb / 1024


# --- Ladder mode (--ladder) -------------------------------------------------------


def run_ffmpeg_ladder(
    source: Path, work: Path, preset: str, crf: int
) -> tuple[float, float]:
    """The ffmpeg CLI writing the pipeline's HLS ladder in one process."""
    sys.path.insert(0, str(BASE_DIR))
    import av

    from videos.pipeline import ladder

    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
    segment = float(os.environ.get("VIDEO_HLS_SEGMENT_SECONDS", 2))
    rungs = ladder(width, height, 0, 720, (240, 480))
    target = work / "ffmpeg-ladder"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    split = f"[0:v]split={len(rungs)}" + "".join(f"[s{i}]" for i in range(len(rungs)))
    scales = [
        f"[s{i}]scale={rung.width}:{rung.height}:flags=bicubic,format=yuv420p[v{i}]"
        for i, rung in enumerate(rungs)
    ]
    command = [
        "/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source),
        "-filter_complex", ";".join([split, *scales]),
    ]  # fmt: skip
    for i in range(len(rungs)):
        command += ["-map", f"[v{i}]", "-map", "0:a:0"]
    command += [
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-profile:v", "high",
        "-threads", "0", "-sc_threshold", "0", "-g", str(int(60 * segment)),
        "-force_key_frames", f"expr:gte(t,n_forced*{segment})",
        "-c:a", "aac", "-ar", "48000", "-ac", "2",
    ]  # fmt: skip
    for i, rung in enumerate(rungs):
        command += [
            f"-maxrate:v:{i}", f"{rung.video_kbps}k",
            f"-bufsize:v:{i}", f"{rung.video_kbps * 2}k",
            f"-b:a:{i}", f"{rung.audio_kbps}k",
        ]  # fmt: skip
    command += [
        "-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact",
        "-f", "hls", "-hls_time", str(segment), "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments",
        "-hls_segment_filename", str(target / "%v" / "s%05d.m4s"),
        "-master_pl_name", "master.m3u8",
        "-var_stream_map", " ".join(f"v:{i},a:{i}" for i in range(len(rungs))),
        str(target / "%v" / "index.m3u8"),
    ]  # fmt: skip
    started = time.perf_counter()
    output, returncode, peak_kb, _cpu = _run_measured(command, dict(os.environ))
    seconds = time.perf_counter() - started
    if returncode:
        raise SystemExit(f"ffmpeg (ladder) failed:\n{output}")
    return seconds, peak_kb / 1024


def baseline_rss(work: Path) -> float:
    """Peak RSS of the same child that sets Django up and processes nothing."""
    data_dir = work / "data-noop"
    data_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'noop.sqlite3'}",
        "REDIS_URL": "",
    }
    output, returncode, peak_kb, _cpu = _run_measured(
        [sys.executable, "-c", CHILD, "--noop"], env
    )
    if returncode:
        raise SystemExit(output)
    return peak_kb / 1024


def generate(path: Path, seconds: int, *, busy: bool) -> Path:
    """make_source in a child, so this process stays small: a forked child's peak RSS
    starts from its parent's size, which would blur the measurements."""
    subprocess.run(
        [sys.executable, __file__, "--make", str(path), str(seconds), str(int(busy))],
        check=True,
    )
    return path


def main():
    if sys.argv[1:2] == ["--make"]:
        make_source(Path(sys.argv[2]), int(sys.argv[3]), busy=sys.argv[4] == "1")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--long", type=int, default=600, help="0 to skip")
    parser.add_argument(
        "--pairs",
        type=int,
        default=5,
        help="ffmpeg / pipeline pairs on the 60 s clip, alternating (0: the review "
        "copy's figures only)",
    )
    parser.add_argument(
        "--preset", default=os.environ.get("VIDEO_X264_PRESET", "veryfast")
    )
    parser.add_argument(
        "--ladder",
        action="store_true",
        help="compare with the ffmpeg CLI writing the same HLS ladder",
    )
    parser.add_argument(
        "--crf", type=int, default=int(os.environ.get("VIDEO_X264_CRF", 23))
    )
    parser.add_argument(
        "--review-runs",
        type=int,
        default=3,
        help="review copy + top rung runs on the same clip (0 to skip)",
    )
    args = parser.parse_args()
    os.environ["VIDEO_X264_PRESET"] = args.preset
    os.environ["VIDEO_X264_CRF"] = str(args.crf)

    with tempfile.TemporaryDirectory(prefix="kh-bench-") as folder:
        work = Path(folder)
        header("bench/transcode.py", server=False)
        print(f"cpus: {os.cpu_count()}  x264: preset={args.preset} crf={args.crf}")
        started = time.perf_counter()
        short = generate(work / "short.mp4", args.seconds, busy=True)
        print(
            f"generated {args.seconds} s 1920x1080 30 fps clip "
            f"({short.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )
        print(
            f"baseline child (Django set up, no video): {baseline_rss(work):.0f} MB peak RSS"
        )

        review_runs = [run_review_copy(short, work) for _ in range(args.review_runs)]
        if review_runs:
            for line in review_copy_report(review_runs, args.seconds):
                print(line)
        if not args.pairs:
            return  # the review copy only (no ffmpeg comparison, no long run)

        ffmpeg_runs, pipeline_runs = [], []

        def ffmpeg_side():
            baseline = run_ffmpeg_ladder if args.ladder else run_ffmpeg
            ffmpeg_runs.append(baseline(short, work, args.preset, args.crf))
            return ffmpeg_runs[-1][0]

        def pipeline_side():
            pipeline_runs.append(run_pipeline(short, work))
            return pipeline_runs[-1]["seconds"]

        comparison = alternate(
            "pipeline / ffmpeg CLI (time)",
            ffmpeg_side,
            pipeline_side,
            pairs=args.pairs,
            unit="s",
        )
        ffmpeg_seconds, ffmpeg_rss = min(ffmpeg_runs)
        pipeline = min(pipeline_runs, key=lambda run: run["seconds"])
        pipeline_times = [f"{run['seconds']:.2f}" for run in pipeline_runs]
        print(
            f"ffmpeg CLI  {args.seconds} s 1080p -> 720p: {ffmpeg_seconds:.2f} s "
            f"({args.seconds / ffmpeg_seconds:.2f}x realtime), peak RSS {ffmpeg_rss:.0f} MB"
            f"  [runs: {', '.join(f'{run[0]:.2f}' for run in ffmpeg_runs)}]"
        )
        print(
            f"pipeline    {args.seconds} s 1080p -> {pipeline['width']}x{pipeline['height']}: "
            f"{pipeline['seconds']:.2f} s ({args.seconds / pipeline['seconds']:.2f}x realtime), "
            f"peak RSS {pipeline['peak_rss_mb']:.0f} MB, CPU {pipeline['cpu_seconds']:.1f} s "
            f"({pipeline['cpu_seconds'] / args.seconds:.2f} core-s per video-s, "
            f"start-up included)"
            f"  [runs: {', '.join(pipeline_times)}]"
        )
        if args.long:
            started = time.perf_counter()
            long_clip = generate(work / "long.mp4", args.long, busy=False)
            print(
                f"generated {args.long} s low-complexity 1080p clip "
                f"({long_clip.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
            )
            short.unlink()
            result = run_pipeline(long_clip, work)
            print(
                f"pipeline    {args.long} s 1080p -> {result['width']}x{result['height']}: "
                f"{result['seconds']:.2f} s ({args.long / result['seconds']:.2f}x realtime), "
                f"peak RSS {result['peak_rss_mb']:.0f} MB"
            )
        print(comparison.line())
        mode = "ladder " if args.ladder else ""
        print(
            f"{mode}ratio {comparison.median:.3f} (min {min(comparison.ratios):.3f}, "
            f"max {max(comparison.ratios):.3f})"
        )
        print(verdict([comparison]))


if __name__ == "__main__":
    main()
