from django.urls import path

from oneway.media import views

app_name = "media"
urlpatterns = [
    path("<int:item_id>/<str:variant>", views.serve, name="serve"),
    path("<int:item_id>/played/", views.played, name="played"),
    path("items/<int:media_item_id>/retry/", views.retry, name="retry"),
    path("items/<int:media_item_id>/state/", views.state, name="state"),
]
