"""The names of the stories app's Celery tasks (see videos/jobs.py for the rule)."""

FLUSH_STORY_VIEWS = "stories.tasks.flush_story_views"
