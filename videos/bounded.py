"""Probe and transcode in a child process with a hard memory ceiling.

No file can take the worker (or the machine) down with it: the work runs in a fresh
Python process (`python -m videos.bounded`) whose address space is capped with
RLIMIT_AS at VIDEO_WORKER_MEMORY_MB. Past the ceiling an allocation fails inside
FFmpeg or Python (ENOMEM / MemoryError) and the child reports the file as too
demanding; if it dies some other way (a signal, the kernel's OOM killer) the parent
sees that and says the same. Either way the worker itself stays as it was, and the
video ends `failed`, without a retry.

A fresh interpreter rather than a fork: the ceiling then measures this work alone
(a forked child would start with the worker's whole address space), and glibc reads
MALLOC_ARENA_MAX at start, which keeps per-thread malloc arenas (64 MB of address
space each) from eating the ceiling without using memory.

A disk with no room left is not the file's fault: FFmpeg's ENOSPC (a PyAV error
that is also an OSError) is reported as transient, and a child that cannot even
write its report for want of room exits with NO_ROOM_EXIT; the parent raises
OSError(ENOSPC) for both, so the task retries and the attempt is not counted.

Kill-safety: the child asks the kernel to SIGKILL it when its parent dies, so a
worker killed mid-transcode leaves no orphan writing into its temp folder.
"""

import ctypes
import dataclasses
import errno
import json
import os
import resource
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import av

from core.disk import no_room
from videos.pipeline import (
    STAGE_WHOLE,
    Limits,
    PipelineTimeout,
    Result,
    VideoRejected,
    describe_exception,
    probe,
    transcode,
)

BASE_DIR = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1
# Time for the child to notice the deadline itself and report it, before we kill it.
DEADLINE_GRACE_SECONDS = 30
STDERR_KEPT = 4000
# The child's exit status when the disk had no room even for its report (EX_TEMPFAIL).
NO_ROOM_EXIT = 75


class ChildFailed(Exception):
    """The child ended without a report and was not killed: a crash on this file."""


def run(
    source,
    work: Path,
    limits: Limits,
    *,
    memory_mb: int,
    with_mp4: bool = True,
    stage: str = STAGE_WHOLE,
    made: list | None = None,
):
    """Probe and transcode `source` into work/hls/ (the rungs of `stage`, see
    pipeline.transcode), work/poster.webp and, unless `with_mp4` is False,
    work/video.mp4.

    Returns (info, Result); raises what the pipeline raises (VideoRejected with the
    probe's info in `.probe`, PipelineTimeout), OSError for a transient failure
    (the task retries), or ChildFailed.
    """
    work = Path(work)
    request = {
        "source": str(source),
        "destination": str(work / "video.mp4") if with_mp4 else None,
        "hls_dir": str(work / "hls"),
        "poster": str(work / "poster.webp"),
        "stage": stage,
        "made": made or [],
        "limits": {
            **dataclasses.asdict(limits),
            "deadline": None,
        },
        "seconds_left": (
            limits.deadline - time.monotonic() if limits.deadline is not None else None
        ),
        "memory_mb": memory_mb,
        "parent": os.getpid(),
        "report": str(work / "report.json"),
    }
    request_path = work / "request.json"
    request_path.write_text(json.dumps(request))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")])
        ),
        "MALLOC_ARENA_MAX": "2",
    }
    timeout = (
        max(0, request["seconds_left"]) + DEADLINE_GRACE_SECONDS
        if request["seconds_left"] is not None
        else None
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "videos.bounded", str(request_path)],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise PipelineTimeout(f"killed after {timeout:.0f} s") from error
    finally:
        # Also on SoftTimeLimitExceeded or any exception raised while waiting.
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = stderr.decode(errors="replace")[-STDERR_KEPT:]
    report_path = Path(request["report"])
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return _outcome(report, process.returncode, stderr, memory_mb)


def _outcome(report, returncode, stderr, memory_mb):
    if report is None:
        if returncode == NO_ROOM_EXIT:
            raise OSError(errno.ENOSPC, f"no room left for the transcode\n{stderr}")
        if returncode < 0:
            name = signal.Signals(-returncode).name
            raise VideoRejected(
                "too_demanding",
                f"transcode child killed by {name} (ceiling {memory_mb} MB)\n{stderr}",
            )
        if "MemoryError" in stderr:
            raise VideoRejected(
                "too_demanding", f"out of memory (ceiling {memory_mb} MB)\n{stderr}"
            )
        raise ChildFailed(f"transcode child exited with {returncode}\n{stderr}")
    kind = report["kind"]
    if kind == "ready":
        result = Result(**report["result"])
        result.stats.update(report["peak"])
        return report["info"], result
    if kind == "rejected":
        rejected = VideoRejected(report["code"], report["detail"], **report["params"])
        rejected.probe = report.get("info")
        raise rejected
    if kind == "timeout":
        raise PipelineTimeout(report["detail"])
    if kind == "transient":
        raise OSError(report["detail"])
    raise ChildFailed(report["detail"])


def _die_with_parent(parent: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _peak_mb() -> dict:
    """This process's peak resident and address-space sizes. (Not ru_maxrss: Linux
    carries it over exec, so it would start at the worker's size.)"""
    status = Path("/proc/self/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    return {
        "child_peak_rss_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1),
        "child_peak_vm_mb": round(int(fields["VmPeak"].split()[0]) / 1024, 1),
    }


def _work(request) -> dict:
    seconds_left = request["seconds_left"]
    limits = Limits(
        **{
            **request["limits"],
            "hls_rungs": tuple(request["limits"]["hls_rungs"]),
            "deadline": (
                time.monotonic() + seconds_left if seconds_left is not None else None
            ),
        }
    )
    info = None
    try:
        info = probe(request["source"], limits)
        result = transcode(
            request["source"],
            request["destination"],
            request["poster"],
            info,
            limits,
            hls_dir=request["hls_dir"],
            stage=request.get("stage", STAGE_WHOLE),
            made=request.get("made"),
        )
    except VideoRejected as rejected:
        return {
            "kind": "rejected",
            "code": rejected.code,
            "params": rejected.params,
            "detail": rejected.detail,
            "info": info,
        }
    except MemoryError as error:
        return {
            "kind": "rejected",
            "code": "too_demanding",
            "params": {},
            "detail": f"{describe_exception(error)} (ceiling "
            f"{request['memory_mb']} MB)",
            "info": info,
        }
    except PipelineTimeout as error:
        return {"kind": "timeout", "detail": describe_exception(error)}
    except OSError as error:
        if isinstance(error, av.FFmpegError) and not no_room(error):
            raise
        return {"kind": "transient", "detail": describe_exception(error)}
    return {"kind": "ready", "info": info, "result": dataclasses.asdict(result)}


def main(request_path: str) -> None:
    request = json.loads(Path(request_path).read_text())
    _die_with_parent(request["parent"])
    ceiling = request["memory_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    try:
        report = _work(request)
    except Exception as error:
        report = {
            "kind": "error",
            "detail": describe_exception(error) + "\n" + traceback.format_exc(),
        }
    report["peak"] = _peak_mb()
    report_path = Path(request["report"])
    staged = report_path.with_suffix(".tmp")
    try:
        staged.write_text(json.dumps(report))
    except OSError as error:
        if not no_room(error):
            raise
        sys.exit(NO_ROOM_EXIT)
    os.replace(staged, report_path)


if __name__ == "__main__":
    main(sys.argv[1])
