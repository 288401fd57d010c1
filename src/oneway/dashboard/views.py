from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oneway.accounts.permissions import staff_view


@staff_view("interviews.view")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html")


@staff_view("interviews.view")
def interview_list(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html")


@staff_view("members.view")
def member_list(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html")


@staff_view("interviews.edit")
def library(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html")


@staff_view("audit.view")
def audit(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html")
