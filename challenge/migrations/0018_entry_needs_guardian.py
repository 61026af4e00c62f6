"""Two facts instead of one: `is_minor` meant "needed a guardian's consent", so a
15-year-old in France (consent at 15) was labelled an adult, left out of the "under
18" filter and of the minors-first priority. `needs_guardian` keeps the old meaning;
`is_minor` becomes "under 18 when the entry was made", from the birth month and year
(counted the safe way: the birth month itself is not yet reached)."""

from django.db import migrations, models


def _age_then(participant, when) -> int:
    age = when.year - participant.birth_year
    if when.month <= participant.birth_month:
        age -= 1
    return age


def split(apps, schema_editor):
    Entry = apps.get_model("challenge", "Entry")
    for entry in Entry.objects.select_related("participant").iterator(chunk_size=2000):
        under_18 = _age_then(entry.participant, entry.created_at.date()) < 18
        Entry.objects.filter(pk=entry.pk).update(
            needs_guardian=entry.is_minor, is_minor=under_18 or entry.is_minor
        )


def join(apps, schema_editor):
    Entry = apps.get_model("challenge", "Entry")
    Entry.objects.update(is_minor=models.F("needs_guardian"))


class Migration(migrations.Migration):
    dependencies = [("challenge", "0017_note_event_states_open_report_count")]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="needs_guardian",
            field=models.BooleanField(
                default=False, verbose_name="needed a guardian's consent"
            ),
        ),
        migrations.AlterField(
            model_name="entry",
            name="is_minor",
            field=models.BooleanField(default=False, verbose_name="under 18"),
        ),
        migrations.RunPython(split, join),
    ]
