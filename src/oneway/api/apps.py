from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "oneway.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oneway.api.events import ACTION_EVENTS
        from oneway.api.webhooks import queue_for_entry
        from oneway.core.audit import action_logged, announce_actions

        announce_actions(ACTION_EVENTS)
        action_logged.connect(queue_for_entry, dispatch_uid="oneway.api.webhooks")
