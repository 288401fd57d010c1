from django.urls import URLPattern, URLResolver, path

from oneway.candidate import language
from oneway.candidate.views import answers, api, brand, data, entry, pages

app_name = "candidate"
# The personal link is reverse("candidate:enter", args=[token]) -> /c/<token>/: the token
# is exchanged for a session cookie and the browser is redirected to a URL without it.
urlpatterns: list[URLPattern | URLResolver] = [
    path("", pages.landing, name="landing"),
    path("device-check/", pages.device_check, name="device_check"),
    path("device-check/clips/<uuid:upload_id>/", api.device_check_clip, name="device_check_clip"),
    path("practice/", answers.practice, name="practice"),
    path("questions/<int:question_id>/", answers.question, name="question"),
    path("submit/", pages.submit, name="submit"),
    path("status/", pages.status, name="status"),
    path("my-data/", data.my_data, name="my_data"),
    path("my-data/download/", data.export_request, name="data_export_request"),
    path("my-data/delete/", data.delete, name="data_delete"),
    path("my-data/deleted/", data.erased, name="data_erased"),
    path("data/<str:token>/", data.export_download, name="data_export_download"),
    path("api/tab/", api.tab, name="tab"),
    path("api/answers/<int:answer_id>/takes/", api.start, name="take_start"),
    path("api/takes/<int:take_id>/", api.detail, name="take_detail"),
    path("api/takes/<int:take_id>/stop/", api.stop, name="take_stop"),
    path("takes/<int:take_id>/recording", api.recording, name="take_recording"),
    # The organisation's logo and accent colour (public, cached: see views/brand.py).
    path("brand/<int:organisation_id>/logo-<slug:key>.png", brand.logo, name="brand_logo"),
    path(
        f"brand/v{brand.ACCENT_CSS_VERSION}/accent-<str:colour>.css",
        brand.accent_css,
        name="brand_css",
    ),
    path("language/", language.switch, name="language"),
    # Last: anything else under /c/ is a token (unknown ones answer 404).
    path("<str:token>/", entry.enter, name="enter"),
]
