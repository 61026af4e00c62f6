from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def load_helplines_after_migrate(sender, using="default", verbosity=1, **kwargs):
    """Every install gets the helplines from the data file, not only `make run`.
    Skipped while the campaign's own migrations are not all applied (a partial
    `migrate campaign 0001`), where the model and the table would not match."""
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    from .services import helplines_load

    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    if not set(loader.graph.leaf_nodes(sender.label)) <= set(loader.applied_migrations):
        return
    report = helplines_load(using=using)
    stdout = kwargs.get("stdout")
    if verbosity >= 1 and stdout is not None:
        stdout.write(f"  {report}")


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Campaign")

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

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
        post_migrate.connect(
            load_helplines_after_migrate,
            sender=self,
            dispatch_uid="campaign-load-helplines",
        )
