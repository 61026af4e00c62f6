"""Admin for the TikTok posts staff choose from the series' own accounts
(CuratedTikTok): added from a link through the same checked oEmbed client,
removed through the service (the poster becomes a tombstone)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ..errors import ChallengeError
from ..models import CuratedTikTok
from ..services import tiktok as services
from ..services.claims import can_moderate


class CuratedTikTokAddForm(forms.ModelForm):
    link = forms.CharField(
        label=_("Link of the TikTok post"),
        max_length=500,
        help_text=_(
            "A post of the campaign’s account or one of the series’ creators. We "
            "read it through TikTok’s oEmbed and keep a copy of its picture."
        ),
    )

    class Meta:
        model = CuratedTikTok
        fields = ["position"]

    def clean(self):
        cleaned = super().clean()
        link = cleaned.get("link")
        if link and not self.errors:
            try:
                self.instance = services.curated_tiktok_add(
                    link=link, actor=self.actor, position=cleaned.get("position") or 0
                )
            except ChallengeError as error:
                raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(CuratedTikTok)
class CuratedTikTokAdmin(admin.ModelAdmin):
    list_display = ["handle", "post_id", "is_shown", "position", "checked_at"]
    list_editable = ["is_shown", "position"]
    list_filter = ["is_shown", "handle"]
    readonly_fields = [
        "post_id",
        "handle",
        "author_name",
        "description",
        "added_by",
        "added_at",
        "checked_at",
        "last_problem",
    ]
    exclude = ["video", "next_check_at"]
    actions = ["remove_selected"]

    def has_module_permission(self, request):
        return can_moderate(request.user)

    def has_view_permission(self, request, obj=None):
        return can_moderate(request.user)

    def has_add_permission(self, request):
        return can_moderate(request.user)

    def has_change_permission(self, request, obj=None):
        return can_moderate(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # through remove_selected: the poster must go too

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CuratedTikTokAddForm
            kwargs["fields"] = ["link", "position"]
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["link", "position"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # A new one was saved by the service in the form's clean().

    @admin.action(description=_("Remove from the site (and delete its picture)"))
    def remove_selected(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            services.curated_tiktok_remove(curated_id=pk, actor=request.user)
        messages.success(request, _("Removed."))
