from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Campaign")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Campaign, Helpline
        from .selectors import site_snapshot_forget

        for model in (Campaign, Helpline):
            post_save.connect(
                site_snapshot_forget,
                sender=model,
                dispatch_uid=f"forget-{model.__name__}",
            )
            post_delete.connect(
                site_snapshot_forget,
                sender=model,
                dispatch_uid=f"forget-del-{model.__name__}",
            )
