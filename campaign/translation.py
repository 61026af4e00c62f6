from modeltranslation.translator import TranslationOptions, register

from .models import Campaign, Helpline, Partner, PartnerProgramme


@register(Campaign)
class CampaignTranslation(TranslationOptions):
    fields = ("name", "tagline", "intro")


@register(Helpline)
class HelplineTranslation(TranslationOptions):
    fields = ("description", "hours")


@register(PartnerProgramme)
class PartnerProgrammeTranslation(TranslationOptions):
    fields = ("title", "summary", "support")


@register(Partner)
class PartnerTranslation(TranslationOptions):
    fields = ("description",)
