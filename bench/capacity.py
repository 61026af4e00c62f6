"""What a launch needs, from the figures measured on this machine and a launch profile.

    .venv/bin/python bench/capacity.py                          # the default launch
    .venv/bin/python bench/capacity.py --visitors 250000 --uploads 10000
    .venv/bin/python bench/capacity.py --figure transcode_core_seconds=3.1

Every measured figure is in FIGURES with the benchmark and date it comes from; when a
benchmark is run again, change the figure here (or pass --figure name=value) and the
plan follows. ASSUMPTIONS are not measurements: they describe the launch (how long
clips are, how many pages a visitor opens, how long a person takes to review an
entry) and are printed as such. docs/capacity.md explains the model and shows the
table for the default launch.
"""

import argparse
import math
from dataclasses import dataclass


@dataclass
class Figure:
    value: float
    unit: str
    source: str


FIGURES = {
    "cached_page_cpu_ms": Figure(
        1.05,
        "CPU ms per cached page (gallery, entry page)",
        "bench/gallery.py, 2026-12-03, PostgreSQL + Redis, 100,000 entries: 930-973 "
        "req/s on one core, 1.02-1.07 ms CPU per request",
    ),
    "uncached_page_cpu_ms": Figure(
        26.0,
        "CPU ms per page built from the database",
        "bench/gallery.py, 2026-12-02: uncached gallery 16-31 ms, entry page 23-27 ms "
        "CPU per request (the dearest kind taken)",
    ),
    "transcode_core_seconds": Figure(
        1.3,
        "core-seconds per second of 1080p upload (MP4, 3-rung HLS ladder, poster)",
        "bench/transcode.py --ladder --seconds 20 --pairs 2 --long 0, 2026-12-04: "
        "25.8 CPU s for a 20 s 1920x1080 30 fps clip, Django start-up included",
    ),
    "stored_mbit_per_second": Figure(
        6.7,
        "Mbit stored per second of video (MP4 + 240p/480p/720p rungs)",
        "bench/playback.py, 2026-12-02: MP4 2.65, rungs 0.36 + 1.05 + 2.66 Mbit/s on "
        "a 720p clip with grain",
    ),
    "password_hash_seconds": Figure(
        0.5,
        "CPU s per log-in or sign-up (Django's PBKDF2)",
        "bench/load.py, 2026-11-21: about 0.5 s per log-in on this CPU",
    ),
    "decision_server_ms": Figure(
        52.0,
        "CPU ms of the server per moderation decision",
        "bench/moderation.py, 2026-12-03: 52 ms CPU, 27 queries per decision",
    ),
}

ASSUMPTIONS = {
    "peak_hour_share": (
        0.2,
        "share of the day's traffic in its busiest hour (evenings of four countries "
        "in two time zones: most of the day in about five hours)",
    ),
    "burst": (3.0, "peak second against the busiest hour's average"),
    "pages_per_visit": (8.0, "dynamic requests per visitor (pages, hearts, status)"),
    "logins_per_upload": (
        2.0,
        "log-ins and sign-ups per upload (new accounts, phones)",
    ),
    "cache_hit": (0.85, "share of those answered from the cache (anonymous pages)"),
    "clip_seconds": (30.0, "average length of an upload (the limit is 180 s)"),
    "videos_watched": (3.0, "videos a visitor watches (episodes and entries)"),
    "watched_mbit": (1.05, "average rung a phone plays (480p, Mbit/s)"),
    "review_seconds": (40.0, "a person's time per entry: watch, read, decide"),
    "review_hours": (16.0, "hours a day the moderation desk is staffed"),
    "core_headroom": (0.6, "share of a core a process is planned to use"),
}


def plan(visitors: int, uploads: int, figures: dict, assumptions: dict) -> list:
    f = {name: figure.value for name, figure in figures.items()}
    a = {name: value for name, (value, _) in assumptions.items()}
    rows = []

    peak_visitors_hour = visitors * a["peak_hour_share"]
    average_rps = peak_visitors_hour * a["pages_per_visit"] / 3600
    peak_rps = average_rps * a["burst"]
    cpu_ms = (
        a["cache_hit"] * f["cached_page_cpu_ms"]
        + (1 - a["cache_hit"]) * f["uncached_page_cpu_ms"]
    )
    login_cores = (
        uploads * a["peak_hour_share"] * a["logins_per_upload"] * a["burst"]
        * f["password_hash_seconds"] / 3600
    )  # fmt: skip
    web_cores = (peak_rps * cpu_ms / 1000 + login_cores) / a["core_headroom"]
    rows.append(
        (
            "web processes (1 core each)",
            math.ceil(web_cores),
            f"{peak_rps:,.0f} req/s at the peak second ({average_rps:,.0f} in the "
            f"busiest hour) x {cpu_ms:.1f} ms CPU each, plus {login_cores:.1f} cores "
            f"hashing passwords, at {a['core_headroom']:.0%} of a core",
        )
    )

    peak_uploads_hour = uploads * a["peak_hour_share"]
    video_seconds_hour = peak_uploads_hour * a["clip_seconds"]
    transcode_cores = video_seconds_hour * f["transcode_core_seconds"] / 3600
    day_cores = uploads * a["clip_seconds"] * f["transcode_core_seconds"] / 86400
    rows.append(
        (
            "transcode cores (to keep up in the busiest hour)",
            math.ceil(transcode_cores),
            f"{peak_uploads_hour:,.0f} uploads x {a['clip_seconds']:.0f} s x "
            f"{f['transcode_core_seconds']} core-s per video-s; {math.ceil(day_cores)} "
            f"cores clear the whole day within the day",
        )
    )
    backlog_hours = (
        video_seconds_hour * f["transcode_core_seconds"] / 3600 / max(day_cores, 1)
    )
    rows.append(
        (
            "queue with only the day-average cores",
            f"{backlog_hours:.1f} h",
            "the busiest hour's uploads take this long to clear: what participants "
            "would wait at most (the upload page shows their place in the queue)",
        )
    )

    review_hours = uploads * a["review_seconds"] / 3600
    moderators = review_hours / a["review_hours"]
    rows.append(
        (
            "moderators on shift",
            math.ceil(moderators),
            f"{uploads:,} entries x {a['review_seconds']:.0f} s = "
            f"{review_hours:,.0f} person-hours over {a['review_hours']:.0f} staffed "
            f"hours; the desk's server side costs {f['decision_server_ms']:.0f} ms "
            f"CPU per decision ({uploads * f['decision_server_ms'] / 1000 / 3600:.1f} "
            "core-hours a day)",
        )
    )

    stored_gb = uploads * a["clip_seconds"] * f["stored_mbit_per_second"] / 8 / 1000
    rows.append(
        (
            "object storage added",
            f"{stored_gb:,.0f} GB",
            f"{uploads:,} x {a['clip_seconds']:.0f} s x "
            f"{f['stored_mbit_per_second']} Mbit/s (MP4 and ladder; uploads are "
            "deleted once processed)",
        )
    )
    egress_tb = (
        visitors * a["videos_watched"] * a["clip_seconds"] * a["watched_mbit"] / 8
    ) / 1e6
    peak_gbit = (
        peak_visitors_hour
        * a["videos_watched"]
        * a["clip_seconds"]
        * a["watched_mbit"]
        / 3600
        / 1000
        * a["burst"]
    )
    rows.append(
        (
            "CDN egress",
            f"{egress_tb:,.1f} TB/day",
            f"{visitors:,} visitors x {a['videos_watched']:.0f} videos x "
            f"{a['clip_seconds']:.0f} s at {a['watched_mbit']} Mbit/s; about "
            f"{peak_gbit:,.1f} Gbit/s at the peak",
        )
    )
    connections = math.ceil(web_cores) * 4 + math.ceil(transcode_cores) + 8
    rows.append(
        (
            "PostgreSQL connections",
            connections,
            "4 threads per web process, one per transcode process, 8 for the "
            "notices workers and beat (use PgBouncer above a few hundred)",
        )
    )
    redis_mb = 200 + peak_uploads_hour * 2 / 1000
    rows.append(
        (
            "Redis memory",
            f"{math.ceil(redis_mb / 256) * 256} MB",
            "cached pages and rate-limit counters (about 200 MB) and the broker "
            f"queues ({peak_uploads_hour:,.0f} messages of ~2 KB in the busiest hour)",
        )
    )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=1_000_000)
    parser.add_argument("--uploads", type=int, default=50_000)
    parser.add_argument(
        "--figure", action="append", default=[], help="name=value (a new measurement)"
    )
    parser.add_argument(
        "--assume", action="append", default=[], help="name=value (another launch)"
    )
    args = parser.parse_args()
    figures = dict(FIGURES)
    for item in args.figure:
        name, _, value = item.partition("=")
        old = figures[name]
        figures[name] = Figure(float(value), old.unit, "given on the command line")
    assumptions = dict(ASSUMPTIONS)
    for item in args.assume:
        name, _, value = item.partition("=")
        assumptions[name] = (float(value), assumptions[name][1] + " (given)")

    print(f"launch: {args.visitors:,} visitors and {args.uploads:,} uploads in a day\n")
    print("| part | needs | from |")
    print("| --- | --- | --- |")
    for part, needs, how in plan(args.visitors, args.uploads, figures, assumptions):
        print(f"| {part} | {needs} | {how} |")
    print("\nmeasured figures:")
    for name, figure in figures.items():
        print(f"  {name} = {figure.value} ({figure.unit}; {figure.source})")
    print("assumptions (not measured):")
    for name, (value, why) in assumptions.items():
        print(f"  {name} = {value} ({why})")


if __name__ == "__main__":
    main()
