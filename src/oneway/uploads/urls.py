from django.urls import URLPattern, URLResolver, path

from oneway.uploads import views

app_name = "uploads"
urlpatterns: list[URLPattern | URLResolver] = [
    # tus: POST here creates an upload; OPTIONS describes the server.
    path("", views.collection, name="collection"),
    # tus: HEAD, PATCH, DELETE (and OPTIONS) on one upload. No trailing slash: tus clients
    # use the Location header verbatim.
    path("<uuid:upload_id>", views.resource, name="resource"),
]
