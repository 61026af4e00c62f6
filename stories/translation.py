from modeltranslation.translator import TranslationOptions, register

from .models import Episode, Series


@register(Series)
class SeriesTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Episode)
class EpisodeTranslation(TranslationOptions):
    fields = ("title", "synopsis", "tips", "creator_quote")
