from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "oneway.dashboard"
    label = "dashboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oneway.dashboard import video_prompts
        from oneway.uploads.signals import upload_completed

        video_prompts.register()
        upload_completed.connect(
            video_prompts.on_upload_completed, dispatch_uid="dashboard.prompt_video_completed"
        )
