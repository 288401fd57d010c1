from django.urls import URLPattern, URLResolver

app_name = "candidate"
# The candidate-flow work adds its views here. The personal link is always
# reverse("candidate:enter", args=[token]) -> /c/<token>/ (the token is exchanged for a
# session cookie and the browser is redirected to a URL without it).
urlpatterns: list[URLPattern | URLResolver] = []
