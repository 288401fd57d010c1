from django.urls import include, path

from oneway.dashboard.views import (
    audit,
    data_requests,
    home,
    integrations,
    interviews,
    invitations,
    library,
    members,
    organisation,
    profile,
    questions,
    transcripts,
    video_prompts,
)

app_name = "dashboard"

I = "interviews/<int:interview_id>/"  # noqa: E741
Q = I + "questions/<int:question_id>/"
V = I + "invitations/<int:invitation_id>/"

urlpatterns = [
    path("", home.home, name="home"),
    path("profile/", profile.profile, name="profile"),
    path("switch-organisation/", members.switch_organisation, name="switch_organisation"),
    path("organisation/", organisation.organisation_settings, name="organisation_settings"),
    path(
        "organisation/branding/",
        organisation.organisation_branding,
        name="organisation_branding",
    ),
    # People's data requests, retention and legal holds (issue 12)
    path("data-requests/", data_requests.data_request_list, name="data_requests"),
    path(
        "data-requests/<int:data_request_id>/",
        data_requests.data_request_detail,
        name="data_request_detail",
    ),
    path(
        "data-requests/<int:data_request_id>/act/",
        data_requests.data_request_action,
        name="data_request_action",
    ),
    path(
        "data-requests/<int:data_request_id>/download/",
        data_requests.data_request_download,
        name="data_request_download",
    ),
    path("data-requests/retention/run/", data_requests.retention_run_now, name="retention_run"),
    path(I + "legal-hold/", data_requests.interview_legal_hold, name="interview_legal_hold"),
    # Interviews
    path("interviews/", interviews.interview_list, name="interview_list"),
    path("interviews/new/", interviews.interview_create_view, name="interview_create"),
    path(I, interviews.interview_detail, name="interview_detail"),
    path(I + "edit/", interviews.interview_edit, name="interview_edit"),
    path(I + "duplicate/", interviews.interview_duplicate_view, name="interview_duplicate"),
    path(I + "archive/", interviews.interview_archive_view, name="interview_archive"),
    path(I + "restore/", interviews.interview_restore_view, name="interview_restore"),
    path(
        I + "apply-link/reset/",
        interviews.interview_apply_link_reset_view,
        name="interview_apply_link_reset",
    ),
    path(I + "audit/", audit.interview_audit, name="interview_audit"),
    path(I + "transcripts/", transcripts.interview_transcripts, name="interview_transcripts"),
    # Questions
    path(I + "questions/new/", questions.question_create_view, name="question_create"),
    path(
        I + "questions/from-library/",
        questions.question_from_library,
        name="question_from_library",
    ),
    path(Q + "edit/", questions.question_edit, name="question_edit"),
    path(Q + "video/", video_prompts.question_video, name="question_video"),
    path(I + "welcome-video/", video_prompts.welcome_video, name="welcome_video"),
    path(Q + "delete/", questions.question_delete_view, name="question_delete"),
    path(Q + "move/", questions.question_move_view, name="question_move"),
    path(
        Q + "save-to-library/",
        questions.question_save_to_library,
        name="question_save_to_library",
    ),
    # Invitations
    path(I + "invitations/new/", invitations.invitation_create_view, name="invitation_create"),
    path(I + "invitations/import/", invitations.invitation_import_view, name="invitation_import"),
    path(
        I + "invitations/import/<int:invitation_import_id>/",
        invitations.invitation_import_preview,
        name="invitation_import_preview",
    ),
    path(V, invitations.invitation_detail, name="invitation_detail"),
    path(V + "resend/", invitations.invitation_resend_view, name="invitation_resend"),
    path(V + "extend/", invitations.invitation_extend_view, name="invitation_extend"),
    path(V + "revoke/", invitations.invitation_revoke_view, name="invitation_revoke"),
    path(V + "audit/", audit.invitation_audit, name="invitation_audit"),
    # Team
    path("team/", members.member_list, name="member_list"),
    path("team/invite/", members.member_invite_view, name="member_invite"),
    path(
        "team/invites/<int:member_invite_id>/resend/",
        members.member_invite_resend_view,
        name="member_invite_resend",
    ),
    path(
        "team/invites/<int:member_invite_id>/revoke/",
        members.member_invite_revoke_view,
        name="member_invite_revoke",
    ),
    path("team/<int:member_id>/role/", members.member_role_view, name="member_role"),
    path("team/<int:member_id>/remove/", members.member_remove_view, name="member_remove"),
    # Question library
    path("library/", library.library, name="library"),
    path("library/new/", library.library_question_create_view, name="library_question_create"),
    path(
        "library/<int:library_question_id>/edit/",
        library.library_question_edit,
        name="library_question_edit",
    ),
    path(
        "library/<int:library_question_id>/delete/",
        library.library_question_delete_view,
        name="library_question_delete",
    ),
    # Integrations: API keys and webhooks
    path("integrations/", integrations.integrations, name="integrations"),
    path("integrations/keys/new/", integrations.api_key_create_view, name="api_key_create"),
    path(
        "integrations/keys/<int:api_key_id>/revoke/",
        integrations.api_key_revoke_view,
        name="api_key_revoke",
    ),
    path("integrations/webhooks/new/", integrations.webhook_create_view, name="webhook_create"),
    path(
        "integrations/webhooks/<int:webhook_endpoint_id>/",
        integrations.webhook_detail,
        name="webhook_detail",
    ),
    path(
        "integrations/webhooks/<int:webhook_endpoint_id>/rotate/",
        integrations.webhook_rotate_view,
        name="webhook_rotate",
    ),
    path(
        "integrations/webhooks/<int:webhook_endpoint_id>/delete/",
        integrations.webhook_delete_view,
        name="webhook_delete",
    ),
    path(
        "integrations/webhooks/<int:webhook_endpoint_id>/messages/<int:webhook_message_id>/"
        "redeliver/",
        integrations.webhook_redeliver_view,
        name="webhook_redeliver",
    ),
    # Audit log
    path("audit/", audit.audit, name="audit"),
    path("", include("oneway.dashboard.review_urls")),
]
