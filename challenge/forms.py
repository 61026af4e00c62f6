import uuid

from django import forms
from django.conf import settings
from django.utils import timezone, translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from core.forms import PlainTextField
from core.text import has_control_characters

from .ages import country_choices
from .errors import GuardianIsParticipant, UnclearMailbox
from .mailboxes import same_mailbox
from .models import HANDLE_VALIDATOR, Participant, Prompt
from .nudge import caption_hits

# What the caption column holds, less room for the hashtag we may add.
CAPTION_CODE_POINTS = 1400

RESERVED_HANDLES = {
    "admin",
    "administrator",
    "moderator",
    "mod",
    "staff",
    "support",
    "help",
    "kindness",
    "kindnesshub",
    "createkindness",
    "official",
    "root",
    "system",
}


class HandleField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().lstrip("@") if value else value


class HandleFormMixin:
    participant: Participant | None = None

    def clean_handle(self):
        handle = self.cleaned_data["handle"]
        if handle.casefold() in RESERVED_HANDLES:
            raise forms.ValidationError(
                _("This handle is reserved. Please choose another one.")
            )
        taken = Participant.objects.filter(handle__iexact=handle)
        if self.participant is not None:
            taken = taken.exclude(pk=self.participant.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("This handle is already taken. Please choose another one.")
            )
        # Read as one word: "idi_ot" and "kil_lyourself" are what they look like.
        if caption_hits(handle):
            raise forms.ValidationError(
                _("Please choose a handle without hurtful words.")
            )
        return handle


def _year_choices():
    this_year = timezone.localdate().year
    years = [(y, str(y)) for y in range(this_year, this_year - 100, -1)]
    return [("", _("Year")), *years]


def _month_choices():
    return [("", _("Month")), *((number, name) for number, name in MONTHS.items())]


def _country_choices():
    """Evaluated per form, so the names are sorted in the visitor's language."""
    return [("", _("Choose your country")), *country_choices()]


class ProfileForm(HandleFormMixin, forms.Form):
    handle = HandleField(
        label=_("Your public handle"),
        max_length=24,
        validators=[HANDLE_VALIDATOR],
        help_text=_(
            "The only thing ever shown next to your entries. Do not use your real "
            "name. 3 to 24 letters, digits, dots or underscores."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "nickname", "spellcheck": "false"}
        ),
    )
    birth_month = forms.TypedChoiceField(
        label=_("Month"), coerce=int, choices=_month_choices
    )
    birth_year = forms.TypedChoiceField(
        label=_("Year"), coerce=int, choices=_year_choices
    )
    country = forms.ChoiceField(
        label=_("Where do you live?"),
        choices=_country_choices,
        help_text=_("The rules about age and consent depend on the country."),
    )

    def clean(self):
        cleaned = super().clean()
        year, month = cleaned.get("birth_year"), cleaned.get("birth_month")
        today = timezone.localdate()
        if year and month and (year, month) > (today.year, today.month):
            self.add_error("birth_year", _("This date is in the future."))
        return cleaned


class HandleForm(HandleFormMixin, forms.Form):
    handle = ProfileForm.base_fields["handle"]

    def __init__(self, *args, participant=None, **kwargs):
        self.participant = participant
        super().__init__(*args, **kwargs)


def _language_choices():
    return settings.LANGUAGES


class GuardianEmailMixin:
    """A parent's or guardian's address (`guardian_email`): one we can read as one
    mailbox, and not a mailbox of the participant's account (`account_emails`) in
    any spelling (challenge.mailboxes)."""

    def clean_guardian_email(self):
        email = self.cleaned_data.get("guardian_email", "")
        if not email:
            return email
        try:
            own = same_mailbox(email, self.account_emails)
        except UnclearMailbox as error:
            raise forms.ValidationError(error.message) from None
        if own:
            raise forms.ValidationError(GuardianIsParticipant.message)
        return email


class EntryForm(GuardianEmailMixin, forms.Form):
    """The submit form. The video field comes last in the page on purpose: if the
    upload is cut off for being too large, the fields before it have arrived and
    the participant's caption is kept."""

    caption = PlainTextField(
        label=_("Caption"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Tell us about your video in a few words. We add #CreateKindness if it "
            "is missing; other hashtags are welcome."
        ),
    )
    prompt = forms.ChoiceField(
        label=_("Which prompt does your video answer?"),
        choices=Prompt.choices,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("Language spoken or written in the video"), choices=_language_choices
    )
    guardian_email = forms.EmailField(
        label=_("Email of a parent or guardian"),
        required=False,
        help_text=_(
            "Because of your age, a parent or guardian confirms your entry by "
            "email before we look at it. Your video is kept private until then."
        ),
    )
    accept_rules = forms.BooleanField(
        label=_("I have read the rules and my video follows them."),
    )
    accept_gallery = forms.BooleanField(
        label=_(
            "If it is approved, my video may be shown in the public gallery with my "
            "handle."
        ),
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput)
    # A finished resumable upload (set by upload.js) instead of the file itself.
    upload = forms.UUIDField(required=False, widget=forms.HiddenInput)
    video = forms.FileField(
        label=_("Your video"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/*"}),
        error_messages={
            "required": _("Please choose a video file."),
            "empty": _("The file you chose is empty. Please choose your video again."),
        },
    )

    def __init__(self, *args, needs_guardian=False, account_emails=(), **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("submission_token", uuid.uuid4())
        kwargs["initial"].setdefault(
            "language", (translation.get_language() or "en")[:2]
        )
        super().__init__(*args, **kwargs)
        self.needs_guardian = needs_guardian
        self.account_emails = list(account_emails)
        limit = settings.CHALLENGE_CAPTION_MAX
        caption = self.fields["caption"]
        caption.set_max_length(limit, max_code_points=CAPTION_CODE_POINTS)
        caption.widget.attrs["data-caption-max"] = str(limit)
        if needs_guardian:
            self.fields["guardian_email"].required = True
        else:
            del self.fields["guardian_email"]

    def clean_caption(self):
        caption = self.cleaned_data["caption"].strip()
        if not caption:
            raise forms.ValidationError(_("Please write a caption."), code="required")
        return caption

    def clean(self):
        cleaned = super().clean()
        missing = not cleaned.get("upload") and not cleaned.get("video")
        if missing and "video" not in self.errors:
            message = self.fields["video"].error_messages["required"]
            self.add_error("video", forms.ValidationError(message, code="required"))
        return cleaned


class NudgeForm(forms.Form):
    caption = PlainTextField(
        label=_("Your caption"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    choice = forms.ChoiceField(
        choices=[
            ("edit", _("Post with my edited caption")),
            ("post_anyway", _("Post anyway")),
            ("cancel", _("Cancel and delete my video")),
        ]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        caption = self.fields["caption"]
        caption.set_max_length(
            settings.CHALLENGE_CAPTION_MAX, max_code_points=CAPTION_CODE_POINTS
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("choice") == "edit"
            and not (cleaned.get("caption") or "").strip()
        ):
            self.add_error("caption", _("Please write a caption."))
        return cleaned


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={
                "autocomplete": "current-password",
                "aria-describedby": "id_password_help",
            }
        ),
        help_text=_("To be sure it is really you."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that my account, my entries and their videos are deleted for good."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


# --- Kind notes -------------------------------------------------------------------------

NOTE_CODE_POINTS = 1000


class NoteTextField(PlainTextField):
    """A note: control characters are refused with a message (not silently dropped),
    length in visible characters."""

    def to_python(self, value):
        if isinstance(value, str) and has_control_characters(value):
            raise forms.ValidationError(
                _(
                    "Your note contains invisible control characters. Please type it again."
                )
            )
        return super().to_python(value)


class NoteForm(forms.Form):
    text = NoteTextField(
        label=_("Your note"),
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a few kind words first.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        field.set_max_length(
            settings.NOTES_MAX_LENGTH, max_code_points=NOTE_CODE_POINTS
        )
        field.widget.attrs["maxlength"] = settings.NOTES_MAX_LENGTH
        field.help_text = _(
            "Up to %(limit)s characters. Only your handle is shown. Links are not clickable."
        ) % {"limit": settings.NOTES_MAX_LENGTH}


class NoteNudgeForm(NoteForm):
    choice = forms.ChoiceField(
        choices=[
            ("edit", _("Post my edited note")),
            ("post_anyway", _("Post anyway")),
            ("cancel", _("Cancel, do not post")),
        ]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("choice") == "edit" and not (cleaned.get("text") or "").strip():
            self.add_error("text", _("Write a few kind words first."))
        return cleaned


class NoteSettingsForm(GuardianEmailMixin, forms.Form):
    open = forms.TypedChoiceField(
        label=_("Who may write notes under my videos?"),
        choices=[
            ("1", _("Everyone who is logged in")),
            ("0", _("Nobody")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    words = PlainTextField(
        label=_("Hide notes with these words"),
        required=False,
        multiline=True,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One word or phrase per line. A note containing one of them is shown "
            "only to the person who wrote it."
        ),
    )
    digest = forms.BooleanField(
        label=_("Send me one email a day at most when there are new notes"),
        required=False,
    )
    guardian_email = forms.EmailField(
        label=_("Email address of a parent or guardian"),
        required=False,
        help_text=_(
            "Because of your age, notes open only once a parent or guardian agrees. "
            "We send them a link."
        ),
    )

    def __init__(self, *args, minor: bool, account_emails: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.minor = minor
        self.account_emails = account_emails
        if not minor:
            del self.fields["guardian_email"]


class TikTokCodeForm(forms.Form):
    """The TikTok account a participant says is theirs, to get a one-time code."""

    tiktok_handle = forms.RegexField(
        label=_("Your TikTok username"),
        regex=r"^@?[A-Za-z0-9_.]{1,24}$",
        max_length=25,
        help_text=_("As it shows on your TikTok profile, after the @."),
        error_messages={
            "invalid": _("A TikTok username has letters, digits, dots or underscores.")
        },
    )

    def clean_tiktok_handle(self):
        return self.cleaned_data["tiktok_handle"].lstrip("@")


class TikTokEntryForm(GuardianEmailMixin, forms.Form):
    """The link of the participant's own TikTok video, and what an upload asks too."""

    link = forms.CharField(
        label=_("The link of your TikTok video"),
        max_length=500,
        help_text=_("In TikTok, press Share, then Copy link, and paste it here."),
    )
    prompt = EntryForm.base_fields["prompt"]
    language = EntryForm.base_fields["language"]
    guardian_email = EntryForm.base_fields["guardian_email"]
    accept_rules = forms.BooleanField(
        label=_("I have read the rules and my video follows them."),
    )
    accept_gallery = EntryForm.base_fields["accept_gallery"]

    def __init__(self, *args, needs_guardian=False, account_emails=(), **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "language", (translation.get_language() or "en")[:2]
        )
        super().__init__(*args, **kwargs)
        self.needs_guardian = needs_guardian
        self.account_emails = list(account_emails)
        if needs_guardian:
            self.fields["guardian_email"].required = True
        else:
            del self.fields["guardian_email"]
