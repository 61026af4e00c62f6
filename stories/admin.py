from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from .models import Caption, Episode, Series
from .services import episode_video_replace, teaser_request
from .webvtt import decode_upload, validate_webvtt

MAX_CAPTION_BYTES = 512 * 1024


class CaptionForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("Upload a .vtt file"),
        required=False,
        help_text=_("Replaces the text below."),
        widget=forms.ClearableFileInput(attrs={"accept": ".vtt,text/vtt"}),
    )

    class Meta:
        model = Caption
        fields = ("language", "upload", "text")
        widgets = {"text": forms.Textarea(attrs={"rows": 6, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            if upload.size > MAX_CAPTION_BYTES:
                self.add_error("upload", _("A caption file may be at most 512 KB."))
                return cleaned
            try:
                text = decode_upload(upload.read())
                validate_webvtt(text)
            except ValidationError as error:
                self.add_error("upload", error)
                return cleaned
            cleaned["text"] = text
            # The model validates `text` again in _post_clean; it is fine now.
            self.instance.text = text
        elif not cleaned.get("text"):
            self.add_error("text", _("Upload a .vtt file or paste its content."))
        return cleaned


class CaptionInline(admin.StackedInline):
    model = Caption
    form = CaptionForm
    extra = 0


class EpisodeForm(forms.ModelForm):
    master_video = forms.FileField(
        label=_("Upload the master video"),
        required=False,
        help_text=_(
            "MP4, MOV or WebM. It is converted for the web in the background; "
            "the state below shows when it is ready. Uploading replaces the "
            "current video."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "video/*"}),
    )

    class Meta:
        model = Episode
        fields = (
            "series",
            "title",
            "slug",
            "order",
            "situation",
            "creator_handle",
            "creator_name",
            "creator_avatar",
            "creator_quote",
            "synopsis",
            "tips",
            "publish_at",
            "is_demo",
        )

    def clean_master_video(self):
        from django.conf import settings

        upload = self.cleaned_data.get("master_video")
        if upload and upload.size > settings.VIDEO_MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The video is too large (at most %(size)d MB)."),
                params={"size": settings.VIDEO_MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        return upload


@admin.register(Series)
class SeriesAdmin(TabbedTranslationAdmin):
    list_display = ("title", "slug", "published_by", "order")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("title_en",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        teaser_request()  # the series' order is the episodes' order


@admin.register(Episode)
class EpisodeAdmin(TabbedTranslationAdmin):
    form = EpisodeForm
    inlines = [CaptionInline]
    list_display = (
        "title",
        "series",
        "order",
        "creator_handle",
        "publish_at",
        "is_public",
        "video_status",
        "views",
    )
    list_filter = ("series", "situation", "is_demo")
    list_select_related = ("series", "video")
    search_fields = ("title", "creator_handle", "creator_name")
    prepopulated_fields = {"slug": ("title_en",)}
    readonly_fields = ("video_state", "views")
    fieldsets = (
        (None, {"fields": ("series", "title", "slug", "order", "situation")}),
        (_("Video"), {"fields": ("master_video", "video_state")}),
        (
            _("Creator"),
            {
                "fields": (
                    "creator_handle",
                    "creator_name",
                    "creator_avatar",
                    "creator_quote",
                )
            },
        ),
        (_("Text"), {"fields": ("synopsis", "tips")}),
        (_("Publication"), {"fields": ("publish_at", "is_demo", "views")}),
    )

    @admin.display(boolean=True, description=_("public"))
    def is_public(self, obj):
        return obj.is_published()

    @admin.display(description=_("video"))
    def video_status(self, obj):
        return obj.video.get_status_display() if obj.video_id else "—"

    @admin.display(description=_("processing state"))
    def video_state(self, obj):
        video = obj.video if obj.pk else None
        if video is None:
            return _("No video yet.")
        parts = [
            format_html(
                '<strong class="video-status video-status-{}">{}</strong>',
                video.status,
                video.get_status_display(),
            )
        ]
        if video.status == video.Status.FAILED:
            parts.append(format_html("<p>{}</p>", video.failure_reason))
            if video.failure_detail:
                parts.append(format_html("<pre>{}</pre>", video.failure_detail[:2000]))
        if video.status == video.Status.READY:
            parts.append(
                format_html(
                    '<p><img src="{}" alt="" width="90"></p>'
                    '<p><a href="{}">{}</a> · {} × {} · {} s</p>',
                    video.poster_url,
                    video.video_url,
                    _("Open the processed video"),
                    video.width,
                    video.height,
                    round(video.duration or 0, 1),
                )
            )
        if video.original_name:
            parts.append(
                format_html("<p>{}: {}</p>", _("Original file"), video.original_name)
            )
        # Every part was built by format_html, so it is already escaped.
        return mark_safe("".join(parts))  # noqa: S308

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("master_video")
        if upload:
            episode_video_replace(episode=obj, file=upload, original_name=upload.name)
        super().save_model(request, obj, form, change)
        teaser_request()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        teaser_request()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        teaser_request()
