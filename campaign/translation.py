from modeltranslation.translator import TranslationOptions, register

from .models import Campaign, Helpline, Partner, PartnerProgramme


@register(Campaign)
class CampaignTranslation(TranslationOptions):
    fields = ("name", "tagline", "intro")


@register(Helpline)
class HelplineTranslation(TranslationOptions):
    # A name that is a description ("European Helpline for Children and
    # Adolescents") is said in the page's language; a proper name is the same in
    # all four (campaign/data/helplines.json gives it once).
    fields = ("name", "description", "hours")


@register(PartnerProgramme)
class PartnerProgrammeTranslation(TranslationOptions):
    fields = ("title", "summary", "support")


@register(Partner)
class PartnerTranslation(TranslationOptions):
    fields = ("description",)
