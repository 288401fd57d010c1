from django.apps import AppConfig


class CandidateConfig(AppConfig):
    name = "oneway.candidate"
    label = "candidate"
    default_auto_field = "django.db.models.BigAutoField"
