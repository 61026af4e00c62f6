"""Moderation of entries, one module per flow (the way django-allauth has
`account/internal/flows/`); import the flow you need:

- `decisions`: approve, reject, hide, restore, a decision form's choice applied
  (`entry_decide`), bulk decisions, and the participant's notice of a decision;
- `reports`: visitors' reports, what each weighs, bursts and the moderators' alert;
- `undo`: a moderator takes back their last decision within the undo window.

Claims of the review desk (who is looking at which entry, who may moderate) live in
`challenge.services.claims`.
"""
