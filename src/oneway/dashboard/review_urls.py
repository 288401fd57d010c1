"""The review workspace's pages, mounted in the dashboard namespace (names ``review_*``)."""

from django.urls import path

from oneway.dashboard.review import (
    candidates,
    compare,
    dashboards,
    insights,
    manage,
    scorecards,
    shares,
    side_by_side,
)

R = "reviews/"
I = R + "interviews/<int:interview_id>/"  # noqa: E741
C = R + "candidates/<int:invitation_id>/"

urlpatterns = [
    path(R, dashboards.overview, name="review_overview"),
    path(R + "overview-partial/", dashboards.overview_partial, name="review_overview_partial"),
    path(R + "todo/", dashboards.todo, name="review_todo"),
    path(R + "preferences/", candidates.preferences, name="review_preferences"),
    # One interview
    path(I, dashboards.interview_dashboard, name="review_dashboard"),
    path(I + "export.csv", dashboards.export_csv, name="review_export"),
    path(I + "reviewers/", manage.reviewers, name="review_reviewers"),
    path(I + "scorecard/", scorecards.scorecard_edit, name="review_scorecard"),
    path(I + "insights/", insights.interview_insights, name="review_insights"),
    path(R + "insights/", insights.organisation_insights, name="review_insights_org"),
    path(I + "side-by-side/", side_by_side.side_by_side, name="review_side_by_side"),
    path(C + "rate-competency/", scorecards.rate_competency, name="review_rate_competency"),
    path(I + "decision-emails/", manage.decision_emails, name="review_decision_emails"),
    path(I + "compare/", compare.pick_question, name="review_compare_pick"),
    path(I + "compare/<int:question_id>/", compare.compare, name="review_compare"),
    path(I + "shares/", manage.share_links, name="review_share_links"),
    path(
        R + "shares/<int:share_link_id>/revoke/",
        manage.share_link_revoke_view,
        name="review_share_revoke",
    ),
    # One candidate
    path(C, candidates.candidate, name="review_candidate"),
    path(C + "rate/", candidates.rate, name="review_rate"),
    path(C + "review/", candidates.save_review, name="review_save"),
    path(C + "comments/", candidates.add_comment, name="review_comment_add"),
    path(C + "decision/", candidates.change_decision, name="review_decision"),
    path(C + "reveal/", candidates.reveal, name="review_reveal"),
    path(
        R + "comments/<int:comment_id>/delete/",
        candidates.delete_comment,
        name="review_comment_delete",
    ),
    path(R + "answers/<int:answer_id>/media/", candidates.answer_media, name="review_answer_media"),
    path(
        R + "answers/<int:answer_id>/captions.vtt",
        candidates.answer_captions,
        name="review_answer_captions",
    ),
    # Share links (no account: the token is the capability)
    path(R + "share/<str:token>/", shares.share_home, name="review_share"),
    path(
        R + "share/<str:token>/candidates/<int:invitation_id>/",
        shares.share_candidate,
        name="review_share_candidate",
    ),
    path(
        R + "share/<str:token>/candidates/<int:invitation_id>/rate/",
        shares.share_rate,
        name="review_share_rate",
    ),
    path(
        R + "share/<str:token>/answers/<int:answer_id>/<str:variant>",
        shares.share_media,
        name="review_share_media",
    ),
]
