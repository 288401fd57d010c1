from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "oneway.reviews"
    label = "reviews"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Reviews"

    def ready(self) -> None:
        # Keep the candidates' search documents in step with transcripts and text answers.
        from oneway.reviews import signals  # noqa: F401
