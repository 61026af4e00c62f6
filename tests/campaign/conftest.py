# The episode page shows the visitor's helplines too: its fixtures, shared.
from tests.stories.conftest import make_episode, series  # noqa: F401
