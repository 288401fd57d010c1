from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "oneway.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oneway.core.metrics import install_job_hooks

        install_job_hooks()
