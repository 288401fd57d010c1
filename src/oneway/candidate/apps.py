from django.apps import AppConfig


class CandidateConfig(AppConfig):
    name = "oneway.candidate"
    label = "candidate"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oneway.candidate import policies, receivers
        from oneway.uploads.signals import upload_completed

        policies.register()
        upload_completed.connect(
            receivers.on_upload_completed, dispatch_uid="candidate.on_upload_completed"
        )
