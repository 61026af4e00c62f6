"""Who runs the site and how to reach them, from settings (SITE_OPERATOR_*,
SITE_CONTACT_EMAIL, SITE_PRIVACY_EMAIL, SITE_DATA_CONTROLLER): one dict for pages
and mails alike."""

from django.conf import settings


def site_operator() -> dict[str, str]:
    return {
        "name": settings.SITE_OPERATOR_NAME,
        "address": settings.SITE_OPERATOR_ADDRESS,
        "contact_email": settings.SITE_CONTACT_EMAIL,
        "privacy_email": settings.SITE_PRIVACY_EMAIL,
        "data_controller": settings.SITE_DATA_CONTROLLER,
    }


def who_runs_this_url() -> str:
    """The absolute address of the who-runs-this page (Impressum), in the active
    language, for mails. By URL name: core imports no app."""
    from django.urls import reverse

    return settings.SITE_URL + reverse("campaign:who_runs_this")
