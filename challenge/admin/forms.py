"""The moderation desk's forms: one decision, and a reason for many."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import PlainTextField

from ..models import Entry, RejectReason

S = Entry.State


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", _("Approve")),
            ("approve_next", _("Approve & next")),
            ("reject", _("Reject")),
            ("reject_next", _("Reject & next")),
            ("hide", _("Hide")),
            ("restore", _("Restore")),
        ]
    )
    reason = forms.ChoiceField(
        label=_("Reason (told to the participant)"),
        choices=[("", "—")] + RejectReason.choices,
        required=False,
    )
    # The state the moderator saw; a rejection applies only if it is unchanged.
    seen_state = forms.ChoiceField(
        choices=S.choices, widget=forms.HiddenInput, required=False
    )
    note = PlainTextField(
        label=_("Note (internal, kept in the history)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        multiline=True,
    )

    def clean(self):
        data = super().clean()
        if data.get("decision", "").startswith("reject") and not data.get("reason"):
            self.add_error("reason", _("Choose a reason to reject."))
        return data


class BulkRejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason (told to the participants)"), choices=RejectReason.choices
    )
    note = PlainTextField(
        label=_("Note (internal)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        multiline=True,
    )
    ids = forms.CharField(widget=forms.HiddenInput)

    def clean_ids(self) -> dict[int, str]:
        """ "id:state,id:state…": each entry with the state the moderator saw."""
        try:
            seen = {
                int(pk): state
                for pk, state in (
                    part.split(":", 1)
                    for part in self.cleaned_data["ids"].split(",")
                    if part
                )
            }
        except ValueError as error:
            raise forms.ValidationError("bad ids") from error
        if not seen:
            raise forms.ValidationError(_("No entries selected."))
        return seen
