from django.contrib import admin
from django.db import models
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from .models import Campaign, Helpline, Partner, PartnerProgramme


@admin.register(Campaign)
class CampaignAdmin(TabbedTranslationAdmin):
    list_display = ("name", "hashtag", "starts_at", "ends_at", "phase")

    @admin.display(description="phase")
    def phase(self, obj):
        return Campaign.Phase(obj.phase()).label


# Web addresses typed without a scheme are https (Django 6's default, chosen now).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Helpline)
class HelplineAdmin(TabbedTranslationAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("country", "name", "number", "hours", "order", "key")
    list_filter = ("country",)
    list_editable = ("order",)
    search_fields = ("name", "number", "key")
    readonly_fields = ("key",)


class PartnerInline(TranslationTabularInline):
    model = Partner
    formfield_overrides = HTTPS_URLS
    extra = 0


@admin.register(PartnerProgramme)
class PartnerProgrammeAdmin(TabbedTranslationAdmin):
    list_display = ("title", "starts_on", "ends_on")
    inlines = [PartnerInline]
