from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oneway.accounts.permissions import staff_view
from oneway.core.models import Invitation, InvitationStatus
from oneway.core.selectors import interviews_for_org


@staff_view("interviews.view")
def home(request: HttpRequest) -> HttpResponse:
    interviews = list(interviews_for_org(request.org)[:10])  # type: ignore[attr-defined]
    recent = (
        Invitation.objects.filter(organisation=request.org)  # type: ignore[attr-defined]
        .select_related("interview")
        .filter(status=InvitationStatus.COMPLETED)
        .order_by("-completed_at")[:10]
    )
    return render(
        request, "dashboard/home.html", {"interviews": interviews, "recent_completed": recent}
    )
