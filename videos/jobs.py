"""The names of the videos app's Celery tasks.

Services send work by these names (core.jobs.enqueue), the tasks in videos/tasks.py
are registered under them, and config/settings.py builds the queue routes and the
beat schedule from them. This module imports nothing, so naming a task never
imports the task's module (and that module's imports) back. The names are a deploy
contract: messages already queued carry them.
"""

PROCESS_VIDEO = "videos.tasks.process_video"
# The top rung of a review copy (videos.services.video_top_make).
MAKE_TOP_RUNG = "videos.tasks.make_top_rung"
SWEEP_VIDEOS = "videos.tasks.sweep_videos"
SWEEP_ORPHANS = "videos.tasks.sweep_orphans"
