from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "oneway.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
