from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The plumbing every app uses and no feature owns. No models; imports no app."""

    name = "core"
