"""The landing page: format card, who is hiring, privacy, consent, accommodations."""

from decimal import Decimal

from oneway.candidate import rules
from oneway.candidate.services import limits_for
from oneway.core.models import Answer, AuditEntry, InvitationStatus


def test_landing_shows_the_format_card_the_employer_and_what_happens_to_recordings(
    make_candidate, enter, org
) -> None:
    org.retention_days = 90
    org.privacy_contact = "privacy@acme.example"
    org.save()
    page = enter(make_candidate()).get("/c/").content.decode()
    assert "Recorded interview" in page  # the format card
    assert "Acme Hiring" in page
    assert "Thanks for applying!" in page  # the intro
    assert "kept for 90 days after the interview closes" in page
    assert "privacy@acme.example" in page
    assert "No software scores or ranks you" in page


def test_consent_is_required_and_stored_with_its_text_and_time(make_candidate, enter) -> None:
    link = make_candidate()
    client = enter(link)
    refused = client.post("/c/", {"action": "consent"})
    assert refused.status_code == 400
    assert "Tick the box to agree" in refused.content.decode()
    assert client.get("/c/device-check/").status_code == 302  # not without consent

    response = client.post("/c/", {"action": "consent", "agree": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/c/device-check/"
    invitation = link.invitation
    invitation.refresh_from_db()
    assert invitation.consent_at is not None
    assert "Acme Hiring records my video" in invitation.consent_text
    assert "kept for 180 days" in invitation.consent_text
    assert invitation.status == InvitationStatus.IN_PROGRESS
    assert AuditEntry.objects.filter(
        action="candidate.consented", invitation_id=invitation.pk
    ).exists()


def test_accommodations_change_the_limits_the_server_enforces(make_candidate, enter) -> None:
    link = make_candidate(questions=[{"answer_type": "video", "max_answer_seconds": 60}])
    client = enter(link)
    response = client.post(
        "/c/", {"action": "accommodations", "time_factor": "1.5", "note": "Dyslexia"}
    )
    assert response.status_code == 302
    invitation = link.invitation
    invitation.refresh_from_db()
    assert invitation.accommodation_time_factor == Decimal("1.5")
    assert invitation.accommodation_requested_at is not None
    answer = Answer(invitation=invitation, question=link.questions[0])
    limits = limits_for(answer)
    assert limits.answer_seconds == 90
    assert limits.max_seconds_accepted == 90 + rules.LENGTH_TOLERANCE_SECONDS
    expected = int((90 + rules.LENGTH_TOLERANCE_SECONDS) * rules.MAX_BITS_PER_SECOND / 8)
    assert limits.max_bytes == expected + rules.SIZE_SLACK_BYTES


def test_text_alternative_turns_recorded_questions_into_written_ones(make_candidate, enter) -> None:
    link = make_candidate(questions=["video"])
    client = enter(link)
    client.post("/c/", {"action": "accommodations", "time_factor": "1", "text_alternative": "on"})
    client.post("/c/", {"action": "consent", "agree": "on"})
    # No camera needed: no device check, no practice; the question asks for text.
    question_url = f"/c/questions/{link.questions[0].pk}/"
    assert client.get("/c/device-check/").status_code == 200
    assert client.get("/c/practice/")["Location"] == question_url
    client.post(question_url, {"action": "reveal"})
    page = client.get(question_url).content.decode()
    assert 'name="text"' in page
    assert "Written answer" in page


def test_accommodations_are_fixed_once_a_question_was_shown(make_candidate, enter) -> None:
    link = make_candidate(practice_enabled=False)
    client = enter(link)
    client.post("/c/", {"action": "consent", "agree": "on"})
    client.post("/c/device-check/", {"action": "done"})
    client.post(f"/c/questions/{link.questions[0].pk}/", {"action": "reveal"})
    client.post("/c/", {"action": "accommodations", "time_factor": "2"})
    link.invitation.refresh_from_db()
    assert link.invitation.accommodation_time_factor == 1


def test_accommodations_are_refused_when_the_interview_does_not_offer_them(
    make_candidate, enter
) -> None:
    link = make_candidate(accommodations_enabled=False)
    client = enter(link)
    assert b"Accommodations" not in client.get("/c/").content
    client.post("/c/", {"action": "accommodations", "time_factor": "2"})
    link.invitation.refresh_from_db()
    assert link.invitation.accommodation_time_factor == 1


def test_device_check_result_is_logged_with_the_browser_family(make_candidate, enter) -> None:
    from oneway.core.models import AuditEntry

    link = make_candidate(practice_enabled=False)
    client = enter(link)
    client.post("/c/", {"action": "consent", "agree": "on"})
    client.post(
        "/c/device-check/",
        {"action": "skip", "result": "NotAllowedError"},
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    )
    entry = AuditEntry.objects.get(action="candidate.device_checked")
    assert entry.data == {"skipped": True, "result": "NotAllowedError", "browser": "Firefox"}
