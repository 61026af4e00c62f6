"""bench/chaos.py: the fault windows and the recovery times are what its verdict
rests on (its proxy: tests/bench/test_proxy.py)."""

import pytest

from bench import chaos


def test_an_error_counts_in_a_fault_window_until_the_dependency_is_back():
    fault = chaos.Fault("cut storage", "storage", started=100.0, ended=110.0)

    assert fault.covers(99.0, 100.5)  # in flight when it started
    assert fault.covers(111.0, 111.5)  # within the grace after it came back
    assert not fault.covers(90.0, 99.0)
    assert not fault.covers(110.0 + chaos.GRACE + 0.1, 115.0)
    assert not chaos.Fault("x", "cache", started=1.0).covers(1.0, 2.0)  # never back


def test_recovery_is_the_first_ok_after_the_dependency_was_seen_down():
    timeline = chaos.Timeline()
    timeline.health = [
        (9.0, {"cache": True}),
        (10.5, {"cache": False}),
        (11.0, {}),  # /healthz did not answer at all
        (12.0, {"cache": False}),
        (14.5, {"cache": True}),
        (15.0, {"cache": True}),
    ]

    assert timeline.healthy_after("cache", 10.0) == 14.5
    assert timeline.healthy_after("cache", 14.6) == 15.0


def test_the_database_is_stopped_for_30_s_while_the_traffic_runs():
    stops = [at for at, name in chaos.schedule(180) if name == "stop database"]

    assert stops == [45.0]
    assert stops[0] + chaos.database_stop_seconds(180) < 90  # before the next fault
    assert stops[0] + chaos.database_stop_seconds(180) < 180
    assert chaos.database_stop_seconds(180) == 30
    assert chaos.DEPENDENCY["stop database"] == "database"
    assert chaos.DatabaseProxy.route(
        type("P", (), {"port": 6001})(), "postgres://postgres@127.0.0.1:5432/kh_chaos"
    ) == ("postgres://postgres@127.0.0.1:6001/kh_chaos")


def test_while_the_database_is_stopped_only_503s_count_and_no_public_page_fails():
    stop = chaos.Fault("stop database", "database", started=100.0, ended=130.0)
    other = chaos.Fault("cut storage", "storage", started=50.0, ended=60.0)
    requests = [
        (101.0, 101.1, "page", True, "200 GET /en/"),
        (102.0, 102.1, "gallery", False, "503 GET /en/gallery/"),
        (103.0, 103.1, "submit", False, "503 POST /en/challenge/submit/"),
        (104.0, 104.1, "media", False, "500 GET /v/x/video.mp4"),
        (105.0, 105.1, "admin", False, "connection"),
        (55.0, 55.1, "page", False, "500 GET /en/"),  # another fault's window
    ]

    public, not_503 = chaos.database_stop_errors(requests, [other, stop])

    assert sum(public.values()) == 1
    assert sum(not_503.values()) == 2
    assert chaos.database_stop_errors(requests, [other]) is None


@pytest.mark.parametrize("seconds", [30, 90, 180])
def test_the_database_stop_happens_within_the_traffic_even_on_a_short_run(seconds):
    """run_faults applies the faults one after another (a restart and a cut sleep
    while they last), and skips those whose time comes after the traffic."""
    lasts = {"restart redis": 3, "cut storage": 10}
    lasts["stop database"] = chaos.database_stop_seconds(seconds)
    now = 0.0
    for at, name in chaos.schedule(seconds):
        now = max(now, at)
        if name == "stop database":
            assert now + lasts[name] < seconds
        now += lasts.get(name, 0)
