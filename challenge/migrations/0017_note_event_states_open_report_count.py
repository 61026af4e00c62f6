"""A note's events take the shape of an entry's (who, from, to, why, when): `action`
becomes `from_state` and `to_state`, read back from each note's history. And
`Note.report_count` counts the open reports, as `Entry.report_count` does (it counted
every report ever made)."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

STATES = [
    ("published", "Published"),
    ("held", "Held for a moderator"),
    ("removed", "Removed"),
]
ACTIONS = [
    ("held", "Held for a moderator"),
    ("removed", "Removed"),
    ("restored", "Restored"),
]
TO_STATE = {"held": "held", "removed": "removed", "restored": "published"}
ACTION = {to_state: action for action, to_state in TO_STATE.items()}


def _first_from_state(event) -> str:
    # A note starts published, or held at once by the watched words (its first
    # event then records its creation, from "").
    return (
        "" if (event.action, event.reason) == ("held", "watched_hold") else "published"
    )


def events_from_to(apps, schema_editor):
    NoteEvent = apps.get_model("challenge", "NoteEvent")
    events, note_id, state = [], None, ""
    for event in NoteEvent.objects.order_by("note_id", "created_at", "id").iterator():
        if event.note_id != note_id:
            note_id, state = event.note_id, _first_from_state(event)
        event.from_state, event.to_state = state, TO_STATE[event.action]
        state = event.to_state
        events.append(event)
    NoteEvent.objects.bulk_update(events, ["from_state", "to_state"], batch_size=500)


def events_action(apps, schema_editor):
    NoteEvent = apps.get_model("challenge", "NoteEvent")
    events = list(NoteEvent.objects.all())
    for event in events:
        event.action = ACTION[event.to_state]
    NoteEvent.objects.bulk_update(events, ["action"], batch_size=500)


def _count_reports(apps, **only):
    Note = apps.get_model("challenge", "Note")
    NoteReport = apps.get_model("challenge", "NoteReport")
    reports = (
        NoteReport.objects.filter(note=OuterRef("pk"), **only)
        .order_by()
        .values("note")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Note.objects.update(report_count=Coalesce(Subquery(reports), 0))


def count_open_reports(apps, schema_editor):
    _count_reports(apps, resolved_at__isnull=True)


def count_all_reports(apps, schema_editor):
    _count_reports(apps)


class Migration(migrations.Migration):
    dependencies = [("challenge", "0016_resumable_upload_multipart")]

    operations = [
        migrations.AddField(
            model_name="noteevent",
            name="from_state",
            field=models.CharField(
                blank=True, choices=STATES, max_length=10, verbose_name="from"
            ),
        ),
        migrations.AddField(
            model_name="noteevent",
            name="to_state",
            field=models.CharField(
                choices=STATES, default="", max_length=10, verbose_name="to"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(events_from_to, events_action),
        # A default, so that going back can add the column to the rows again.
        migrations.AlterField(
            model_name="noteevent",
            name="action",
            field=models.CharField(
                choices=ACTIONS, default="", max_length=10, verbose_name="action"
            ),
        ),
        migrations.RemoveField(model_name="noteevent", name="action"),
        migrations.RunPython(count_open_reports, count_all_reports),
    ]
