"""Erasing an entry's content and deleting videos' files, after commit.

The one way an entry loses its content (docs/decisions.md): withdrawal, a guardian's
refusal or revocation, account deletion and the retention sweep all call
`entry_erase`. It lives below submission, guardian and privacy so that each of them
can use it without importing another; the state machine (challenge.states) stays
free of storage and cache calls.
"""

from django.db import transaction

from videos.models import Video
from videos.services import video_delete_files

from ..models import Entry
from ..selectors.gallery import gallery_changed


def video_delete_on_commit(video) -> None:
    """Delete the video's files once the transaction commits (never before: a
    rollback must not leave a row pointing at deleted files). Its original file
    name goes now, with the caption."""
    video_name_erase(video)
    transaction.on_commit(lambda: video_delete_files(video=video))


def video_name_erase(video) -> None:
    """Forget the name the file had on the participant's device: it can name the
    child ("maria-rossi-3b.mp4") long after the video itself is gone."""
    Video.objects.filter(pk=video.pk).update(original_name="")
    video.original_name = ""


def entry_erase(*, entry: Entry) -> None:
    """Keep the row and its history, lose the content: the caption and watched words
    are emptied now, the video's files are deleted after commit, and cached gallery
    pages forget the entry. Used by withdrawal, a guardian's refusal, account
    deletion and the retention sweep alike."""
    Entry.objects.filter(pk=entry.pk).update(caption="", watched_hits=[])
    entry.caption, entry.watched_hits = "", []
    video_delete_on_commit(entry.video)
    transaction.on_commit(gallery_changed)
