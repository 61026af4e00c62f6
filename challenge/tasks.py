"""Challenge tasks: thin, idempotent, take ids, call services."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_guardian_email(consent_id: int) -> None:
    """Sends nothing when the guardian has already answered."""
    services.guardian_email_send(consent_id=consent_id)


@shared_task
def expire_abandoned_nudges() -> int:
    return services.nudges_expire_abandoned()


# The moderation desk's tasks live in their own module; importing them here lets
# Celery's autodiscovery (which looks for <app>.tasks) register them in every worker.
from .moderation_tasks import moderation_notice_send  # noqa: E402, F401


@shared_task
def retention_sweep() -> dict:
    from .privacy import retention_sweep as sweep

    return sweep()
