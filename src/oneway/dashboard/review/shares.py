"""What a hiring manager sees through a share link: no account, read-only, every view
audited. The token in the path is the capability; pages are never cached or referred."""

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from oneway.access import access_shared_invitation, share_identity
from oneway.core.csrf import csrf_protect_null_origin
from oneway.core.models import Answer
from oneway.core.tokens import hash_token
from oneway.dashboard.review.common import (
    int_or_none,
    json_error,
    posted_competency,
    posted_question,
    wants_json,
)
from oneway.dashboard.review.context import AnswerBlock, answer_blocks
from oneway.dashboard.review.scorecard_context import share_scorecard_context
from oneway.media.models import ProcessingState
from oneway.reviews.captions import webvtt
from oneway.reviews.media import play_url, serve
from oneway.reviews.models import Recommendation, Review, ShareLink
from oneway.reviews.services import (
    review_rate,
    review_save,
    review_submit,
    share_link_record_view,
)
from oneway.reviews.services.scorecards import review_rate_competency

VARIANTS = ("rendition", "poster", "captions")
R = TypeVar("R", bound=HttpResponseBase)


def _private(response: R) -> R:
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def link_for(token: str) -> ShareLink:
    """The link this token opens; 404 when unknown (no hint of which interview)."""
    if not token or len(token) > 128:
        raise Http404
    link = (
        ShareLink.objects.select_related("interview", "organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        raise Http404
    return link


def closed(request: HttpRequest, link: ShareLink) -> HttpResponse:
    return _private(
        render(request, "dashboard/review/share_closed.html", {"link": link}, status=410)
    )


def submitted_ids(link: ShareLink) -> set[int]:
    return set(
        Review.objects.filter(share_link=link, submitted_at__isnull=False).values_list(
            "invitation_id", flat=True
        )
    )


@require_GET
def share_home(request: HttpRequest, token: str) -> HttpResponse:
    link = link_for(token)
    if not link.is_active:
        return closed(request, link)
    share_link_record_view(link=link, request=request, what="list")
    reviewed = submitted_ids(link)
    candidates = [
        {
            "invitation": invitation,
            "name": share_identity(link, invitation, submitted=invitation.pk in reviewed).name,
            "url": reverse("dashboard:review_share_candidate", args=[token, invitation.pk]),
        }
        for invitation in link.invitations.order_by("name", "pk")
    ]
    return _private(
        render(
            request,
            "dashboard/review/share_home.html",
            {"link": link, "interview": link.interview, "candidates": candidates},
        )
    )


def _share_urls(link: ShareLink, token: str, block: AnswerBlock, *, hidden: bool) -> dict[str, str]:
    item = block.media
    if item is None or block.answer is None or item.state != ProcessingState.READY:
        return {}

    def url(variant: str) -> str:
        return reverse("dashboard:review_share_media", args=[token, block.answer.pk, variant])  # type: ignore[union-attr]

    urls = {"rendition": url("rendition"), "play": play_url(item, actor_label=f"share:{link.pk}")}
    if item.poster_name and not hidden:
        urls["poster"] = url("poster")
    if item.captions_name or item.transcript_words:
        urls["captions"] = url("captions")
    return urls


@require_GET
def share_candidate(request: HttpRequest, token: str, invitation_id: int) -> HttpResponse:
    link = link_for(token)
    if not link.is_active:
        return closed(request, link)
    invitation = access_shared_invitation(link, invitation_id)
    share_link_record_view(link=link, request=request, invitation=invitation, what="candidate")
    review = (
        Review.objects.filter(share_link=link, invitation=invitation)
        .prefetch_related("ratings")
        .first()
    )
    identity = share_identity(link, invitation, submitted=bool(review and review.submitted_at))
    hidden = identity.hidden
    blocks = answer_blocks(invitation)
    scores = {r.question_id: r.score for r in review.ratings.all()} if review else {}
    for block in blocks:
        block.my_score = scores.get(block.question.pk)
        block.urls = _share_urls(link, token, block, hidden=hidden)
    rate_url = reverse("dashboard:review_share_rate", args=[token, invitation.pk])
    scorecard = share_scorecard_context(
        invitation=invitation, blocks=blocks, mine=review, rate_url=rate_url
    )
    return _private(
        render(
            request,
            "dashboard/review/share_candidate.html",
            {
                "link": link,
                "token": token,
                "interview": link.interview,
                "invitation": invitation,
                "candidate_name": identity.name,
                "hidden": hidden,
                "blocks": blocks,
                "review": review,
                "submitted": bool(review and review.submitted_at),
                "scores": range(1, 6),
                "review_choices": Recommendation.choices,
                "error": request.GET.get("error", ""),
                **scorecard,
            },
        )
    )


@csrf_protect_null_origin  # share pages send no referrer: browsers post "Origin: null"
@require_POST
def share_rate(request: HttpRequest, token: str, invitation_id: int) -> HttpResponse:
    """Ratings (and a recommendation) by the hiring manager, when the link allows it: one
    score per answer, or per competency on an interview with a scorecard."""
    link = link_for(token)
    if not link.is_active:
        return closed(request, link)
    if not link.allow_rating:
        raise Http404
    invitation = access_shared_invitation(link, invitation_id)
    back = reverse("dashboard:review_share_candidate", args=[token, invitation.pk])
    try:
        if request.POST.get("action") in ("save", "submit"):
            service = review_submit if request.POST["action"] == "submit" else review_save
            service(
                invitation=invitation,
                recommendation=request.POST.get("recommendation", ""),
                note=request.POST.get("note", ""),
                share_link=link,
                request=request,
            )
        elif request.POST.get("competency_id"):
            review_rate_competency(
                invitation=invitation,
                question=posted_question(request, invitation),
                competency=posted_competency(request, invitation),
                score=int_or_none(request.POST.get("score")) or 0,
                share_link=link,
                request=request,
            )
        else:
            question = posted_question(request, invitation)
            review_rate(
                invitation=invitation,
                question=question,
                score=int_or_none(request.POST.get("score")) or 0,
                share_link=link,
                request=request,
            )
    except ValidationError as error:
        if wants_json(request):
            return json_error(error)
        from urllib.parse import urlencode

        return redirect(back + "?" + urlencode({"error": " ".join(error.messages)}))
    if wants_json(request):
        return JsonResponse({"ok": True, "score": request.POST.get("score")})
    return redirect(back)


@require_GET
def share_media(request: HttpRequest, token: str, answer_id: int, variant: str) -> HttpResponseBase:
    link = link_for(token)
    if not link.is_active or variant not in VARIANTS:
        raise Http404
    answer = (
        Answer.objects.filter(
            pk=answer_id,
            is_practice=False,
            submitted_at__isnull=False,
            invitation__in=link.invitations.all(),
        )
        .select_related("submitted_take__media", "invitation")
        .first()
    )
    take = answer.submitted_take if answer else None
    item = take.media if take else None
    if answer is None or item is None or item.state != ProcessingState.READY:
        raise Http404
    if variant == "poster" and link.interview.blind_mode:
        reviewed = Review.objects.filter(
            share_link=link, invitation_id=answer.invitation_id, submitted_at__isnull=False
        ).exists()
        if share_identity(link, answer.invitation, submitted=reviewed).hidden:
            raise Http404
    # Range requests of one play would flood the log: the first request of each is enough.
    if variant != "rendition" or request.headers.get("Range", "bytes=0-") in ("", "bytes=0-"):
        share_link_record_view(
            link=link, request=request, invitation=answer.invitation, what=variant
        )
    response: HttpResponseBase
    if variant == "captions" and not item.captions_name:
        response = HttpResponse(webvtt(item.transcript_words), content_type="text/vtt")
    else:
        response = serve(request, item, variant)
    return _private(response)
