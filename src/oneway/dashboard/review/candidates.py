"""The candidate review page and what it posts: ratings, review, comments, decision."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from oneway.access import (
    Viewer,
    access_answer,
    access_comment,
    access_invitation,
    candidate_identity,
    require,
    sees_others_reviews,
    viewer_from,
    visible_invitations,
)
from oneway.accounts.permissions import staff_view
from oneway.core.audit import log_action
from oneway.core.models import Answer, Invitation, InvitationStatus, Question
from oneway.dashboard.review.common import int_or_none, json_error, wants_json
from oneway.dashboard.review.context import (
    AnswerBlock,
    answer_blocks,
    attach_comments,
    attach_reviews,
    comments_of,
    reviews_of,
    template_exists,
)
from oneway.dashboard.review.forms import CommentForm, DecisionForm, ReviewForm
from oneway.dashboard.review.scorecard_context import scorecard_context
from oneway.reviews.captions import webvtt
from oneway.reviews.decision_emails import EMAIL_STATUSES, fill, templates_for
from oneway.reviews.media import play_url, signed_url
from oneway.reviews.models import (
    Comment,
    DecisionEvent,
    DecisionStatus,
    Recommendation,
    Review,
)
from oneway.reviews.services import (
    candidate_identity_reveal,
    comment_add,
    comment_delete,
    decision_change,
    review_rate,
    review_save,
    review_submit,
    reviewer_preferences_update,
)
from oneway.reviews.services.comments import mention_handles, parse_time_code
from oneway.reviews.services.preferences import PLAYBACK_RATES, playback_rate_of


def media_urls(
    request: HttpRequest, viewer: Viewer, block: AnswerBlock, *, hidden: bool
) -> dict[str, str]:
    item = block.media
    if item is None or not block.ready or block.answer is None:
        return {}
    urls = {
        "rendition": signed_url(item=item, user=viewer.user, variant="rendition", request=request)
    }
    if item.poster_name and not hidden:
        urls["poster"] = signed_url(item=item, user=viewer.user, variant="poster", request=request)
    if item.captions_name:
        urls["captions"] = signed_url(
            item=item, user=viewer.user, variant="captions", request=request
        )
    elif item.transcript_words:
        urls["captions"] = reverse("dashboard:review_answer_captions", args=[block.answer.pk])
    urls["play"] = play_url(item)
    urls["refresh"] = reverse("dashboard:review_answer_media", args=[block.answer.pk])
    return urls


def next_to_review(viewer: Viewer, invitation: Invitation) -> int | None:
    """The next completed candidate of the interview (in invitation order, wrapping round)
    that this reviewer has not reviewed yet."""
    candidates = (
        visible_invitations(viewer)
        .filter(interview_id=invitation.interview_id, status=InvitationStatus.COMPLETED)
        .exclude(pk=invitation.pk)
        .exclude(
            Exists(
                Review.objects.filter(
                    invitation_id=OuterRef("pk"), reviewer=viewer.user, submitted_at__isnull=False
                )
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return candidates.filter(pk__gt=invitation.pk).first() or candidates.first()


def rating_scale() -> list[tuple[int, str]]:
    return [(1, _("poor")), (2, ""), (3, ""), (4, ""), (5, _("excellent"))]


def candidate_page(
    request: HttpRequest,
    invitation_id: int,
    *,
    review_form: ReviewForm | None = None,
    comment_form: CommentForm | None = None,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = access_invitation(viewer, invitation_id, related=("decision__changed_by",))
    interview = invitation.interview
    blocks = answer_blocks(invitation)
    reviews = reviews_of(invitation)
    mine = next((r for r in reviews if r.reviewer_id == viewer.user.pk), None)
    submitted = mine is not None and mine.submitted_at is not None
    # Independent reviews: nobody else's ratings, notes, reasons or comments before one's own.
    show_others = sees_others_reviews(viewer, submitted=submitted)
    others = [
        r
        for r in reviews
        if r is not mine and show_others and (viewer.sees_all or r.submitted_at is not None)
    ]
    aggregates = attach_reviews(blocks, reviews, mine, show_others)
    identity = candidate_identity(viewer, invitation)
    hidden = identity.hidden
    for block in blocks:
        block.urls = media_urls(request, viewer, block, hidden=hidden)
    general_comments = attach_comments(
        blocks, comments_of(invitation, only_by=None if show_others else viewer.user)
    )
    decision = getattr(invitation, "decision", None)  # select_related above; None when new
    history = (
        list(DecisionEvent.objects.filter(invitation=invitation).select_related("actor"))
        if decision is not None
        else []
    )
    can_email = viewer.can("invitations.manage")
    next_id = next_to_review(viewer, invitation)
    log_action(
        "candidate.viewed",
        organisation=viewer.org,
        actor=viewer.user,
        obj=invitation,
        interview_id=interview.pk,
        invitation_id=invitation.pk,
        data={"blind": hidden},
        request=request,
    )
    rated = sum(1 for b in blocks if b.my_score is not None)
    answered = sum(1 for b in blocks if b.submitted)
    context: dict[str, Any] = {
        "invitation": invitation,
        "interview": interview,
        "hidden": hidden,
        "identity": identity,
        "can_reveal": hidden and viewer.can("candidates.reveal"),
        "candidate_name": identity.name,
        "candidate_email": identity.email,
        "blocks": blocks,
        "aggregates": aggregates,
        "my_review": mine,
        "submitted": submitted,
        "show_others": show_others,
        "others": others,
        "rated_count": rated,
        "answered_count": answered,
        "general_comments": general_comments,
        "decision_status": decision.status if decision else DecisionStatus.NEW,
        "decision": decision,
        "history": history,
        "review_form": review_form
        or ReviewForm(
            initial={
                "recommendation": mine.recommendation if mine else "",
                "note": mine.note if mine else "",
            }
        ),
        "comment_form": comment_form or CommentForm(),
        "decision_form": decision_form or DecisionForm(),
        "decision_statuses": DecisionStatus.choices,
        "recommendations": Recommendation.choices,
        "can_decide": viewer.can("decisions.change"),
        "can_email": can_email,
        "email_templates": {
            status: {
                "subject": fill(t.subject, invitation, name=identity.name),
                "body": fill(t.body, invitation, name=identity.name),
            }
            for status, t in templates_for(interview).items()
        }
        if can_email
        else {},
        "email_statuses": [s.value for s in EMAIL_STATUSES],
        "can_retry": viewer.can("media.retry"),
        "sees_all": viewer.sees_all,
        "mention_handles": mention_handles(interview),
        "playback_rate": playback_rate_of(viewer.user),
        "playback_rates": PLAYBACK_RATES,
        "has_live_partial": template_exists("live/_candidate_live.html"),
        "has_state_partial": template_exists("media/_state.html"),
        "next_id": next_id,
        "scale": rating_scale(),
        "rate_url": reverse("dashboard:review_rate", args=[invitation.pk]),
        "comment_url": reverse("dashboard:review_comment_add", args=[invitation.pk]),
    }
    context.update(
        scorecard_context(
            viewer=viewer,
            invitation=invitation,
            blocks=blocks,
            reviews=reviews,
            mine=mine,
            show_others=show_others,
        )
    )
    return render(request, "dashboard/review/candidate.html", context, status=status)


@staff_view("reviews.rate")
@require_GET
def candidate(request: HttpRequest, invitation_id: int) -> HttpResponse:
    # One transaction for the page's audit entries (the view, each media URL issued).
    with transaction.atomic():
        return candidate_page(request, invitation_id)


def _back(invitation_id: int, anchor: str = "") -> HttpResponse:
    url = reverse("dashboard:review_candidate", args=[invitation_id])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@staff_view("reviews.rate")
@require_POST
def rate(request: HttpRequest, invitation_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = access_invitation(viewer, invitation_id)
    question = Question.objects.filter(
        pk=int_or_none(request.POST.get("question_id")) or 0, interview_id=invitation.interview_id
    ).first()
    if question is None:
        raise Http404
    try:
        rating = review_rate(
            invitation=invitation,
            question=question,
            score=int_or_none(request.POST.get("score")) or 0,
            reviewer=viewer.user,
            request=request,
        )
    except ValidationError as error:
        if wants_json(request):
            return json_error(error)
        for message in error.messages:
            messages.error(request, message)
        return _back(invitation.pk, f"question-{question.pk}")
    if wants_json(request):
        rated = rating.review.ratings.count()
        return JsonResponse({"ok": True, "score": rating.score, "rated": rated})
    messages.success(request, _("Rating saved."))
    after = request.POST.get("next", "")
    if after and url_has_allowed_host_and_scheme(after, allowed_hosts={request.get_host()}):
        return redirect(after)
    return _back(invitation.pk, f"question-{question.pk}")


@staff_view("reviews.rate")
@require_POST
def save_review(request: HttpRequest, invitation_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = access_invitation(viewer, invitation_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        service = review_submit if request.POST.get("action") == "submit" else review_save
        try:
            service(
                invitation=invitation,
                recommendation=form.cleaned_data["recommendation"],
                note=form.cleaned_data["note"],
                reviewer=viewer.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if service is review_submit:
                messages.success(request, _("Review submitted. You can now see the others'."))
            else:
                messages.success(request, _("Draft saved."))
            return _back(invitation.pk, "review")
    return candidate_page(request, invitation_id, review_form=form, status=400)


@staff_view("reviews.rate")
@require_POST
def add_comment(request: HttpRequest, invitation_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = access_invitation(viewer, invitation_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        answer = None
        if data["answer_id"]:
            answer = Answer.objects.filter(
                pk=data["answer_id"], invitation=invitation, is_practice=False
            ).first()
            if answer is None:
                raise Http404
        parent = None
        if data["parent_id"]:
            parent = Comment.objects.filter(pk=data["parent_id"], invitation=invitation).first()
            if parent is None:
                raise Http404
        try:
            comment = comment_add(
                invitation=invitation,
                author=viewer.user,
                body=data["body"],
                answer=answer,
                time_ms=parse_time_code(data["time_code"]),
                parent=parent,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _back(invitation.pk, f"comment-{comment.pk}")
    return candidate_page(request, invitation_id, comment_form=form, status=400)


@staff_view("reviews.rate")
@require_POST
def delete_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    comment = access_comment(viewer, comment_id)
    if comment.author_id != viewer.user.pk and not viewer.sees_all:
        raise PermissionDenied
    comment_delete(comment=comment, actor=viewer.user, request=request)
    messages.success(request, _("Comment deleted."))
    return _back(comment.invitation_id, f"comment-{comment.pk}")


@staff_view("reviews.rate")
@require_POST
def change_decision(request: HttpRequest, invitation_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = access_invitation(viewer, invitation_id)
    require(viewer, "decisions.change")
    form = DecisionForm(request.POST)
    if form.is_valid():
        notify = form.cleaned_data["notify"]
        if notify:
            require(viewer, "invitations.manage")
        try:
            decision_change(
                invitation=invitation,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                notify_candidate=notify,
                actor=viewer.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            label = DecisionStatus(form.cleaned_data["status"]).label
            messages.success(request, _("Decision changed to “%(label)s”.") % {"label": label})
            return _back(invitation.pk, "decision")
    return candidate_page(request, invitation_id, decision_form=form, status=400)


@staff_view("reviews.rate")
@require_GET
def answer_media(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Fresh signed URLs for one answer (the player asks again when they expire)."""
    viewer = viewer_from(request)
    answer = access_answer(viewer, answer_id)
    take = answer.submitted_take
    if answer.submitted_at is None or take is None or take.media is None:
        raise Http404
    assert answer.question is not None  # access_answer() excludes practice answers
    block = AnswerBlock(
        number=0,
        question=answer.question,
        answer=answer,
        media=take.media,
        takes_used=0,  # type: ignore[arg-type]
    )
    urls = media_urls(
        request, viewer, block, hidden=candidate_identity(viewer, answer.invitation).hidden
    )
    if not urls:
        raise Http404
    response = JsonResponse(urls)
    response["Cache-Control"] = "no-store"
    return response


@staff_view("reviews.rate")
@require_GET
def answer_captions(request: HttpRequest, answer_id: int) -> HttpResponse:
    """WebVTT captions made from the transcript's word timings."""
    viewer = viewer_from(request)
    answer = access_answer(viewer, answer_id)
    take = answer.submitted_take
    if answer.submitted_at is None or take is None or take.media is None:
        raise Http404
    response = HttpResponse(webvtt(take.media.transcript_words), content_type="text/vtt")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_view("reviews.rate")
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    try:
        payload = json.loads(request.body or b"{}")
        rate = float(payload.get("playback_rate"))
    except (ValueError, TypeError):
        return JsonResponse({"ok": False}, status=400)
    try:
        reviewer_preferences_update(user=request.user, playback_rate=rate, request=request)  # type: ignore[arg-type]
    except ValidationError as error:
        return json_error(error)
    return JsonResponse({"ok": True, "playback_rate": rate})


@staff_view("candidates.reveal")
@require_POST
def reveal(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Owners and admins: see a blind candidate's identity (for themselves, audited)."""
    viewer = viewer_from(request)
    invitation = access_invitation(viewer, invitation_id)
    try:
        candidate_identity_reveal(invitation=invitation, actor=viewer.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Identity revealed to you. This is in the audit log."))
    after = request.POST.get("next", "")
    if after and url_has_allowed_host_and_scheme(after, allowed_hosts={request.get_host()}):
        return redirect(after)
    return _back(invitation.pk)
