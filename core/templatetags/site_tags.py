from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info

register = template.Library()


@register.simple_tag(takes_context=True)
def language_alternates(context):
    """The current page in every language: (code, native name, path, is_current)."""
    request = context.get("request")
    if request is None:
        return []
    current = context.get("LANGUAGE_CODE")
    path = request.get_full_path()
    return [
        (
            code,
            get_language_info(code)["name_local"],
            translate_url(path, code),
            code == current,
        )
        for code, _name in settings.LANGUAGES
    ]


@register.simple_tag
def site_operator():
    """Who runs the site (core.operator), for templates without it in their
    context, such as allauth's mails."""
    from core.operator import site_operator as operator

    return operator()


@register.simple_tag
def who_runs_this_url():
    from core.operator import who_runs_this_url as url

    return url()


@register.simple_tag
def absolute_url(path):
    """SITE_URL + path: never built from the request's Host header, which a visitor
    (or a poisoned cache) controls."""
    return settings.SITE_URL + path


@register.filter
def duration(seconds):
    """82.4 -> '1:22'."""
    if seconds in (None, ""):
        return ""
    total = int(round(float(seconds)))
    return f"{total // 60}:{total % 60:02d}"


@register.simple_tag
def cache_available() -> bool:
    """False while the shared cache cannot be reached (core.cache): the rate limits
    that keep their counts there then refuse, and the 429 page says why."""
    from django.core.cache import cache

    return getattr(cache, "available", True)


@register.filter(expects_localtime=True)
def day(value, format_name="DATE_FORMAT"):
    """A date in the reader's language: "7. Dezember 2026", "1er janvier",
    "1° gennaio" (core.dates)."""
    if value in (None, ""):
        return ""
    from core.dates import format_day

    return format_day(value, format_name)


@register.simple_tag
def share_card(kind: str, key: str):
    """`{% share_card "page" "help" as card %}`: the page's share card in the active
    language (core.cards), or None."""
    from core.cards import card_for

    return card_for(kind, str(key))


@register.simple_tag
def share_links(url: str, text: str):
    """`{% share_links url text as links %}`: (key, label, href) of each app a page
    can be shared to (core.sharing)."""
    from core.sharing import share_links as links

    return links(url=url, text=text)
