from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oneway.access import candidate_identities, viewer_from, visible_interviews, visible_invitations
from oneway.accounts.permissions import staff_view
from oneway.core.models import InvitationStatus
from oneway.core.selectors import interviews_with_counts


@staff_view("interviews.view")
def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    interviews = list(interviews_with_counts(visible_interviews(viewer))[:10])
    recent = list(
        visible_invitations(viewer)
        .select_related("interview")
        .filter(status=InvitationStatus.COMPLETED)
        .order_by("-completed_at")[:10]
    )
    identities = candidate_identities(viewer, recent)
    return render(
        request,
        "dashboard/home.html",
        {
            "interviews": interviews,
            "recent_completed": [(i, identities[i.pk]) for i in recent],
        },
    )
