"""The public apply page of an interview (off by default): name and email in, link out.

Not a staff view: anyone with the page's address may apply. Rate limited per IP address and
per email address; the answer is the same whether or not the address was invited before,
so the page reveals nothing about who applied.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from oneway.candidate.language import activate_for
from oneway.core.audit import client_ip
from oneway.core.forms import posted
from oneway.core.models import Interview
from oneway.core.ratelimit import allow
from oneway.core.services.invitations import interview_invite_problems
from oneway.dashboard.apply_form import ApplyForm

IP_LIMIT = 10  # applications per IP address per hour
EMAIL_LIMIT = 3  # per email address and interview per hour


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, apply_token: str) -> HttpResponse:
    from oneway.core.services.invitations import invitation_apply

    interview = get_object_or_404(
        Interview.objects.select_related("organisation"),
        apply_token=apply_token,
        apply_link_enabled=True,
        archived_at__isnull=True,
    )
    if not apply_token or interview_invite_problems(interview):
        raise Http404
    activate_for(request, interview=interview)
    form = ApplyForm(posted(request), initial={"timezone": ""})
    if request.method == "POST":
        if not allow(f"apply-ip:{client_ip(request)}", limit=IP_LIMIT, window=3600):
            return render(
                request, "dashboard/apply_limited.html", {"interview": interview}, status=429
            )
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            if allow(f"apply-email:{interview.pk}:{email}", limit=EMAIL_LIMIT, window=3600):
                invitation_apply(
                    interview=interview,
                    name=form.cleaned_data["name"],
                    email=email,
                    timezone=form.cleaned_data["timezone"] or None,
                    request=request,
                )
            return render(
                request, "dashboard/apply_sent.html", {"interview": interview, "email": email}
            )
    response = render(
        request,
        "dashboard/apply.html",
        {"interview": interview, "organisation": interview.organisation, "form": form},
        status=400 if request.method == "POST" else 200,
    )
    return response
