from django.urls import URLPattern, URLResolver

app_name = "candidate"
urlpatterns: list[URLPattern | URLResolver] = []
