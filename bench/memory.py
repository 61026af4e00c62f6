"""Worker peak memory on hostile files compared with a normal 60 s clip.

    .venv/bin/python bench/memory.py              # about 3 minutes on 2 cores
    .venv/bin/python bench/memory.py --seconds 10 # a quicker, shorter normal clip

Each input goes through videos.services.video_process in a fresh Django process (own
DATA_DIR and SQLite database, default settings), which starts the transcode child
(videos.bounded) as the Celery worker would. Printed per input: the Django process's
own peak RSS, the transcode child's peak RSS and address space (VmHWM / VmPeak from
/proc, each process its own: `ru_maxrss` would start at the parent's size, since Linux
keeps it across exec), and their sum: the worker's footprint while the video is
processed. Inputs:

- a normal clip: `--seconds` of 1920x1080 30 fps H.264/AAC (bench/transcode.py's);
- every file of the bad-file corpus (tests/videos/corpus.py) with its settings;
- the largest frame accepted: 4096x2160, 5 s at 30 fps;
- the decompression bomb again with its header checks lifted (VIDEO_MAX_DIMENSION and
  VIDEO_MAX_PIXELS raised), so it reaches the decoder and meets the memory ceiling.

Last line: `ratio <worst corpus input / normal clip>` on the footprints (goal <= 1.5).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.transcode import _run_measured, generate  # noqa: E402

CHILD = r"""
import json, sys
from pathlib import Path
import django
django.setup()
from django.core.files import File
from django.core.management import call_command
call_command("migrate", verbosity=0)
from videos import bounded, services
services._enqueue = lambda video_id: None
peaks = []
real_outcome = bounded._outcome
def spy(report, *args):
    peaks.append((report or {}).get("peak"))
    return real_outcome(report, *args)
bounded._outcome = spy
with open(sys.argv[1], "rb") as handle:
    video = services.video_create(file=File(handle, name="in"), original_name="in")
video = services.video_process(video_id=video.pk)
status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
print(json.dumps({"status": video.status, "code": video.failure_code,
                  "self_mb": int(status["VmHWM"].split()[0]) / 1024,
                  "child": peaks[-1] if peaks else None}))
"""


def measure(path: Path, work: Path, overrides: dict) -> dict:
    data_dir = work / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'bench.sqlite3'}",
        "REDIS_URL": "",
        "LOG_LEVEL": "ERROR",
        **{name: str(value) for name, value in overrides.items()},
    }
    output, returncode, _ = _run_measured([sys.executable, "-c", CHILD, str(path)], env)
    if returncode:
        raise SystemExit(f"child failed on {path.name}:\n{output}")
    result = json.loads(output.strip().splitlines()[-1])
    child = result["child"] or {}
    result["child_rss_mb"] = child.get("child_peak_rss_mb", 0)
    result["child_vm_mb"] = child.get("child_peak_vm_mb", 0)
    result["total_mb"] = result["self_mb"] + result["child_rss_mb"]
    return result


def _print(name: str, result: dict) -> None:
    outcome = result["status"] + (f" ({result['code']})" if result["code"] else "")
    print(
        f"{name:<36} {outcome:<32} worker {result['self_mb']:6.0f} MB  "
        f"child {result['child_rss_mb']:6.0f} MB rss {result['child_vm_mb']:6.0f} MB vm"
        f"  total {result['total_mb']:6.0f} MB"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings

    from bench import corpus
    from videos.clips import make_clip

    print(
        f"cpus: {os.cpu_count()}  ceiling VIDEO_WORKER_MEMORY_MB="
        f"{settings.VIDEO_WORKER_MEMORY_MB}  VIDEO_MAX_PIXELS={settings.VIDEO_MAX_PIXELS}"
    )
    with tempfile.TemporaryDirectory(prefix="kh-memory-") as folder:
        work = Path(folder)
        normal = generate(work / "normal.mp4", args.seconds, busy=True)
        baseline = measure(normal, work, {})
        _print(f"normal {args.seconds} s 1080p", baseline)
        normal.unlink()

        worst_name, worst = None, None
        for writer, code, overrides in corpus.BAD_FILES:
            files = work / "corpus"
            shutil.rmtree(files, ignore_errors=True)
            files.mkdir()
            result = measure(writer(files, "http://127.0.0.1:9"), work, overrides)
            _print(writer.__name__, result)
            if result["code"] != code:
                print(f"  expected {code}")
            if worst is None or result["total_mb"] > worst["total_mb"]:
                worst_name, worst = writer.__name__, result

        largest = make_clip(
            work / "largest.mp4", width=4096, height=2160, fps=30, seconds=5
        )
        _print("largest accepted 4096x2160", measure(largest, work, {}))
        lifted = {"VIDEO_MAX_DIMENSION": 16000, "VIDEO_MAX_PIXELS": 16000 * 16000}
        bomb = corpus.decompression_bomb(work, "http://127.0.0.1:9")
        _print("bomb, header checks lifted", measure(bomb, work, lifted))

        print(
            f"worst corpus input: {worst_name} {worst['total_mb']:.0f} MB; "
            f"normal clip {baseline['total_mb']:.0f} MB"
        )
        print(f"ratio {worst['total_mb'] / baseline['total_mb']:.3f}")


if __name__ == "__main__":
    main()
