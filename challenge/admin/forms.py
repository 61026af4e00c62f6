"""The moderation desk's forms: one decision (the review page and the desk post the
same one), and a reason for many; what a decision answers."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import PlainTextField

from ..models import Entry, RejectReason
from ..services.moderation.decisions import entry_decide


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
        choices=Entry.State.choices, widget=forms.HiddenInput, required=False
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

    @property
    def goes_next(self) -> bool:
        """ "& next": open the next entry to review once this one is decided."""
        return self.cleaned_data["decision"].endswith("_next")

    def decide(self, *, entry_id: int, actor) -> str:
        """Apply the (valid) form's decision to the entry; returns the decision
        applied. Raises what the services raise: claims.EntryClaimed,
        TransitionNotAllowed."""
        data = self.cleaned_data
        return entry_decide(
            entry_id=entry_id,
            decision=data["decision"].removesuffix("_next"),
            actor=actor,
            reason=data["reason"],
            note=data["note"],
            seen_state=data["seen_state"],
        )


def decision_done_message(decision: str, entry_id: int) -> str:
    return {
        "approve": gettext("Entry %(id)s approved."),
        "reject": gettext("Entry %(id)s not accepted."),
        "hide": gettext("Entry %(id)s hidden from the gallery."),
        "restore": gettext("Entry %(id)s is back in the gallery."),
    }[decision] % {"id": entry_id}


def decision_overtaken_message(entry_id: int) -> str:
    """The decision no longer applied: the entry left the state the moderator saw,
    or is gone (its participant deleted their account meanwhile)."""
    entry = Entry.objects.filter(pk=entry_id).first()
    if entry is None:
        return gettext(
            "Nothing changed: entry %(id)s was deleted meanwhile (its participant "
            "deleted their account)."
        ) % {"id": entry_id}
    return gettext(
        "Nothing changed: entry %(id)s is now “%(state)s” "
        "(perhaps another moderator decided first)."
    ) % {"id": entry.pk, "state": entry.get_state_display()}


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
