"""The attacks use the challenge's own fixtures (a live campaign, real clips)."""

from tests.challenge.conftest import campaign, clip_bytes, upload  # noqa: F401
