"""bench/capacity.py: the plan follows the measured figures and the launch."""

from bench import capacity


def _needs(rows, part):
    return next(needs for name, needs, _how in rows if name.startswith(part))


def test_twice_the_transcode_cost_needs_twice_the_transcode_cores():
    figures = dict(capacity.FIGURES)
    base = capacity.plan(1_000_000, 50_000, figures, capacity.ASSUMPTIONS)
    dearer = capacity.Figure(
        figures["transcode_core_seconds"].value * 2, "core-s", "a test"
    )
    doubled = capacity.plan(
        1_000_000,
        50_000,
        {**figures, "transcode_core_seconds": dearer},
        capacity.ASSUMPTIONS,
    )

    assert _needs(doubled, "transcode cores") in {
        2 * _needs(base, "transcode cores") + delta for delta in (-1, 0, 1)
    }


def test_the_default_launch_plan_from_its_parts():
    rows = capacity.plan(1_000_000, 50_000, capacity.FIGURES, capacity.ASSUMPTIONS)

    # 50,000 entries x 40 s over 16 staffed hours = 34.7 people.
    assert _needs(rows, "moderators on shift") == 35
    # 50,000 x 30 s x 6.7 Mbit/s / 8 = 1,256 GB.
    assert _needs(rows, "object storage added") == "1,256 GB"
    assert _needs(rows, "web processes") > 0
