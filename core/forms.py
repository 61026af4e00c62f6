"""Form fields every app uses for free text from people."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .text import clean_text, visible_length


class VisibleMaxLengthValidator(MaxLengthValidator):
    """Django's max-length check, counted in characters a person sees, and a message
    that says how many are too many (nobody should have to subtract)."""

    message = ngettext_lazy(
        "%(over)s character too many: please keep it to at most %(limit_value)s "
        "characters.",
        "%(over)s characters too many: please keep it to at most %(limit_value)s "
        "characters.",
        "over",
    )

    def clean(self, x):
        return visible_length(x)

    def __call__(self, value):
        length = self.clean(value)
        limit = self.limit_value() if callable(self.limit_value) else self.limit_value
        if self.compare(length, limit):
            params = {"limit_value": limit, "show_value": length, "value": value}
            params["over"] = length - limit
            raise ValidationError(self.message, code=self.code, params=params)


class PlainTextField(forms.CharField):
    """Free text: cleaned on the way in (core.text.clean_text) and limited in visible
    characters (`max_length`). `max_code_points` bounds what the column can hold,
    for text made mostly of combined symbols."""

    def __init__(
        self,
        *,
        max_length: int | None = None,
        max_code_points: int | None = None,
        multiline: bool = False,
        **kwargs,
    ):
        self.multiline = multiline
        super().__init__(**kwargs)
        self.set_max_length(max_length, max_code_points=max_code_points)

    def set_max_length(self, limit: int | None, *, max_code_points: int | None = None):
        self.validators = [
            v for v in self.validators if not isinstance(v, MaxLengthValidator)
        ]
        if limit:
            self.validators.append(VisibleMaxLengthValidator(limit))
        if max_code_points:
            self.validators.append(_CodePointLimit(max_code_points))

    def to_python(self, value):
        return clean_text(super().to_python(value), multiline=self.multiline)


class _CodePointLimit(MaxLengthValidator):
    message = _(
        "This text uses too many combined symbols to be stored. Please shorten it."
    )
