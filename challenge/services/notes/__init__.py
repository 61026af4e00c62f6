"""Kind notes, one module per flow (the way django-allauth has
`account/internal/flows/`); callers import the flow they need:

- `writing`: a note and its "think before you post" prompt;
- `owner`: the owner's settings (who may write, the words that hide a note);
- `guardian`: a parent's or guardian's consent to notes for a minor;
- `removal`: the owner removes notes and blocks writers;
- `reports`: reports on notes;
- `moderators`: the moderators' decisions;
- `digest`: the daily mail about new notes.

A note's state changes only through challenge.note_states (each change leaves a
NoteEvent). A note shows only under a public entry, so its visibility follows the
entry's; the gallery's cached pages are invalidated on commit whenever what an entry
page shows may have changed (`selectors.gallery.gallery_changed_on_commit`).
"""
