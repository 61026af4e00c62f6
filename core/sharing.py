"""Plain share links for any public page: no third-party script is ever loaded."""

from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _


def share_links(*, url: str, text: str) -> list[tuple[str, str, str]]:
    """(key, label, href) for WhatsApp, Telegram, X, Facebook and email: the apps
    the campaign's audience shares in first (templates/components/share.html draws
    their icons by key)."""
    return [
        (
            "whatsapp",
            _("Share on WhatsApp"),
            "https://wa.me/?" + urlencode({"text": f"{text} {url}"}),
        ),
        (
            "telegram",
            _("Share on Telegram"),
            "https://t.me/share/url?" + urlencode({"url": url, "text": text}),
        ),
        (
            "x",
            _("Share on X"),
            "https://twitter.com/intent/tweet?" + urlencode({"url": url, "text": text}),
        ),
        (
            "facebook",
            _("Share on Facebook"),
            "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        ),
        (
            "email",
            _("Share by email"),
            "mailto:?"
            + urlencode({"subject": text, "body": f"{text}\n\n{url}"}, quote_via=quote),
        ),
    ]
