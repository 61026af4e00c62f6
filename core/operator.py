"""Who runs the site and how to reach them, from settings (SITE_OPERATOR_*,
SITE_CONTACT_EMAIL, SITE_PRIVACY_EMAIL): one dict for pages and mails alike."""

from django.conf import settings


def site_operator() -> dict[str, str]:
    return {
        "name": settings.SITE_OPERATOR_NAME,
        "address": settings.SITE_OPERATOR_ADDRESS,
        "contact_email": settings.SITE_CONTACT_EMAIL,
        "privacy_email": settings.SITE_PRIVACY_EMAIL,
    }
