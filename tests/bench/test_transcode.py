"""bench/transcode.py: the review copy's run really makes a review copy and then the
top rung (it asserts both in its child), on a small real clip."""

from bench import transcode
from videos.clips import make_clip


def test_the_review_copy_run_makes_the_review_copy_then_the_top_rung(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=2, width=640, height=360, fps=12)

    run = transcode.run_review_copy(clip, tmp_path)

    assert run["review_seconds"] > 0
    assert run["top_seconds"] > 0
    assert run["rungs"][-1] != run["rungs"][0]  # the top rung joined the ladder
    assert not (tmp_path / "data-review-clip").exists()
