"""The attacks use the challenge's and the stories' own fixtures."""

from tests.challenge.conftest import campaign, clip_bytes, upload  # noqa: F401
from tests.stories.conftest import make_episode, series  # noqa: F401
