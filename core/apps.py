from django.apps import AppConfig
from django.db.models.signals import post_migrate


def site_record_update(sender=None, using="default", **kwargs):
    """The Sites record (allauth's mails name it) is this site's real name and host,
    from SITE_NAME and SITE_URL, after every migrate."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={
            "domain": urlsplit(settings.SITE_URL).netloc,
            "name": settings.SITE_NAME,
        },
    )
    Site.objects.clear_cache()


class CoreConfig(AppConfig):
    """The plumbing every app uses and no feature owns. No models; imports no app."""

    name = "core"

    def ready(self):
        post_migrate.connect(site_record_update, dispatch_uid="core-site-record")
