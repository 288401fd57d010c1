"""Settings → Integrations: API keys and webhook endpoints (owners and admins)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from oneway.access import (
    Viewer,
    access_api_key,
    access_webhook_endpoint,
    viewer_from,
    visible_api_keys,
    visible_interviews,
    visible_webhook_endpoints,
)
from oneway.accounts.permissions import staff_view
from oneway.api.events import EVENTS
from oneway.api.models import ApiScope, WebhookAttempt, WebhookEndpoint, WebhookMessage
from oneway.api.services import (
    api_key_create,
    api_key_revoke,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
    webhook_message_redeliver,
    webhook_secret_rotate,
)
from oneway.core.forms import posted
from oneway.core.models import Interview
from oneway.dashboard.forms import apply_service_errors

MESSAGES_SHOWN = 50


def _interviews(viewer: Viewer) -> QuerySet[Interview]:
    return visible_interviews(viewer).filter(archived_at__isnull=True).order_by("title")


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("The system that will use it, e.g. “Greenhouse”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"), choices=ApiScope.choices, widget=forms.RadioSelect
    )
    interviews = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Limit to these interviews"),
        queryset=Interview.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked for every interview, now and later."),
    )

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interviews"].queryset = _interviews(viewer)  # type: ignore[attr-defined]


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=1000, assume_scheme="https")
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(event, event) for event in EVENTS],
        widget=forms.CheckboxSelectMultiple,
    )
    interviews = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Only events of these interviews"),
        queryset=Interview.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked for every interview."),
    )
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interviews"].queryset = _interviews(viewer)  # type: ignore[attr-defined]


def _no_store(response: HttpResponse) -> HttpResponse:
    """Pages that show a secret once must not be kept by the browser or a proxy."""
    response["Cache-Control"] = "no-store"
    return response


@staff_view("integrations.manage")
def integrations(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    keys = visible_api_keys(viewer).select_related("created_by").prefetch_related("interviews")
    endpoints = visible_webhook_endpoints(viewer).prefetch_related("interviews")
    return render(request, "dashboard/integrations.html", {"keys": keys, "endpoints": endpoints})


@staff_view("integrations.manage")
def api_key_create_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    form = ApiKeyForm(posted(request), viewer=viewer, initial={"scope": ApiScope.READ})
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = api_key_create(
                organisation=viewer.org,
                actor=viewer.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                interviews=list(form.cleaned_data["interviews"]),
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _no_store(
                render(request, "dashboard/api_key_created.html", {"key": key, "secret": secret})
            )
    return render(request, "dashboard/api_key_form.html", {"form": form})


@staff_view("integrations.manage")
@require_POST
def api_key_revoke_view(request: HttpRequest, api_key_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    key = access_api_key(viewer, api_key_id)
    try:
        api_key_revoke(key=key, actor=viewer.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Key “%(name)s” revoked.") % {"name": key.name})
    return redirect("dashboard:integrations")


@staff_view("integrations.manage")
def webhook_create_view(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    form = WebhookEndpointForm(posted(request), viewer=viewer, initial={"enabled": True})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhook_endpoint_create(
                organisation=viewer.org,
                actor=viewer.user,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.cleaned_data["events"],
                interviews=list(form.cleaned_data["interviews"]),
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _no_store(_detail(request, viewer, endpoint, secret=secret))
    return render(request, "dashboard/webhook_form.html", {"form": form, "endpoint": None})


def _detail(
    request: HttpRequest, viewer: Viewer, endpoint: WebhookEndpoint, *, secret: str = ""
) -> HttpResponse:
    recent = (
        WebhookMessage.objects.filter(endpoint=endpoint)
        .prefetch_related(
            Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("-started_at", "-id"))
        )
        .order_by("-created_at", "-id")[:MESSAGES_SHOWN]
    )
    form = WebhookEndpointForm(
        viewer=viewer,
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "interviews": list(endpoint.interviews.all()),
            "enabled": endpoint.enabled,
        },
    )
    return render(
        request,
        "dashboard/webhook_detail.html",
        {"endpoint": endpoint, "messages_sent": recent, "secret": secret, "form": form},
    )


@staff_view("integrations.manage")
def webhook_detail(request: HttpRequest, webhook_endpoint_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    endpoint = access_webhook_endpoint(viewer, webhook_endpoint_id)
    if request.method != "POST":
        return _detail(request, viewer, endpoint)
    form = WebhookEndpointForm(request.POST, viewer=viewer)
    if form.is_valid():
        try:
            webhook_endpoint_update(
                endpoint=endpoint,
                actor=viewer.user,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.cleaned_data["events"],
                interviews=list(form.cleaned_data["interviews"]),
                enabled=form.cleaned_data["enabled"],
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Webhook endpoint saved."))
            return redirect("dashboard:webhook_detail", endpoint.pk)
    return render(request, "dashboard/webhook_form.html", {"form": form, "endpoint": endpoint})


@staff_view("integrations.manage")
@require_POST
def webhook_rotate_view(request: HttpRequest, webhook_endpoint_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    endpoint = access_webhook_endpoint(viewer, webhook_endpoint_id)
    secret = webhook_secret_rotate(endpoint=endpoint, actor=viewer.user, request=request)
    return _no_store(_detail(request, viewer, endpoint, secret=secret))


@staff_view("integrations.manage")
@require_POST
def webhook_delete_view(request: HttpRequest, webhook_endpoint_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    endpoint = access_webhook_endpoint(viewer, webhook_endpoint_id)
    webhook_endpoint_delete(endpoint=endpoint, actor=viewer.user, request=request)
    messages.success(request, _("Webhook endpoint deleted."))
    return redirect("dashboard:integrations")


@staff_view("integrations.manage")
@require_POST
def webhook_redeliver_view(
    request: HttpRequest, webhook_endpoint_id: int, webhook_message_id: int
) -> HttpResponse:
    viewer = viewer_from(request)
    endpoint = access_webhook_endpoint(viewer, webhook_endpoint_id)
    message = WebhookMessage.objects.filter(endpoint=endpoint, pk=webhook_message_id).first()
    if message is None:
        raise Http404(_("No such webhook message."))
    webhook_message_redeliver(message=message, actor=viewer.user, request=request)
    messages.success(request, _("Queued to be sent again; the attempt will be listed below."))
    return redirect("dashboard:webhook_detail", endpoint.pk)
