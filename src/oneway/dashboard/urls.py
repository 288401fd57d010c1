from django.urls import path

from oneway.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("interviews/", views.interview_list, name="interview_list"),
    path("team/", views.member_list, name="member_list"),
    path("library/", views.library, name="library"),
    path("audit/", views.audit, name="audit"),
]
