"""The names of the stories app's Celery tasks (see videos/jobs.py for the rule)."""

FLUSH_STORY_VIEWS = "stories.tasks.flush_story_views"
# The series teaser (stories.services.teaser_refresh): checked periodically, and
# after staff change an episode; re-made only when the episodes changed.
REFRESH_TEASER = "stories.tasks.refresh_teaser"
