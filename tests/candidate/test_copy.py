"""Copy that never contradicts itself: every summary reads the numbers and devices the
questions actually give this candidate (issue 16, section 3)."""

import re

from oneway.core.format_card import recorded_format_card


def visible(page: bytes) -> str:
    """The page without its scripts (the JavaScript strings hold every message)."""
    return re.sub(r"<script\b.*?</script>", "", page.decode(), flags=re.S)


def test_extra_time_shows_in_the_summary_as_on_the_question(make_candidate, enter) -> None:
    link = make_candidate(
        questions=[{"answer_type": "video", "thinking_seconds": 30, "max_answer_seconds": 120}],
        practice_enabled=False,
    )
    client = enter(link)
    client.post("/c/", {"action": "accommodations", "time_factor": "1.25"})
    landing = visible(client.get("/c/").content)
    assert "38 seconds to think" in landing
    assert "30 seconds to think" not in landing
    assert "Up to 150 seconds per recorded answer" in landing
    client.post("/c/", {"action": "consent", "agree": "on"})
    client.post("/c/device-check/", {"action": "done"})
    question = client.get(f"/c/questions/{link.questions[0].pk}/").content.decode()
    assert "38 seconds to think" in question
    link.invitation.refresh_from_db()
    card = recorded_format_card(link.invitation)
    assert "38 seconds to think after you see each question" in card.facts


def test_a_written_answer_is_never_told_it_needs_a_camera(make_candidate, enter) -> None:
    link = make_candidate(questions=["video", "audio"], practice_enabled=True)
    client = enter(link)
    client.post("/c/", {"action": "accommodations", "time_factor": "1", "text_alternative": "on"})
    landing = visible(client.get("/c/").content)
    assert "camera" not in landing.lower()
    assert "microphone" not in landing.lower()
    assert "keyboard" in landing
    assert "Next: the first question." in landing
    # Written answers have no countdown, so no thinking time is promised for them.
    assert "to think" not in landing
    assert "practice question first" not in landing
    link.invitation.refresh_from_db()
    facts = " ".join(recorded_format_card(link.invitation).facts)
    assert "camera" not in facts and "per recorded answer" not in facts


def test_audio_only_pages_never_mention_a_camera(make_candidate, enter) -> None:
    link = make_candidate(questions=["audio"], practice_enabled=False)
    client = enter(link)
    landing = visible(client.get("/c/").content)
    assert "Next: a short check of your microphone." in landing
    client.post("/c/", {"action": "consent", "agree": "on"})
    check = visible(client.get("/c/device-check/").content)
    assert "Yes, I can hear myself" in check
    assert "see and hear" not in check
    client.post("/c/device-check/", {"action": "done"})
    page = client.get(f"/c/questions/{link.questions[0].pk}/").content.decode()
    assert "Your microphone turns on when you show the question (no camera)." in page
    assert "camera turns on" not in page.lower()


def test_the_practice_never_says_it_is_sent(make_candidate, enter) -> None:
    link = make_candidate(questions=["video"], practice_enabled=True)
    client = enter(link)
    client.post("/c/", {"action": "consent", "agree": "on"})
    client.post("/c/device-check/", {"action": "done"})
    client.post("/c/practice/", {"action": "reveal"})
    page = client.get("/c/practice/").content.decode()
    assert "never shown to the team" in page
    assert "Practice takes are never sent to the team." in page
    assert "take is sent" not in page
    assert "choose the one to send" not in page


def test_the_text_alternative_offer_is_shown_only_where_it_can_be_taken(
    make_candidate, enter
) -> None:
    link = make_candidate(questions=["video"], accommodations_enabled=False)
    client = enter(link)
    client.post("/c/", {"action": "consent", "agree": "on"})
    check = visible(client.get("/c/device-check/").content)
    assert "text alternative" not in check


def test_the_invitation_email_names_only_the_devices_the_questions_need(make_candidate) -> None:
    from django.template.loader import render_to_string

    for questions, expected, absent in (
        (["video", "text"], "check your camera and microphone", None),
        (["audio", "text"], "check your microphone;", "your camera"),
        (["text"], "nothing is sent until you send an answer", "microphone"),
    ):
        link = make_candidate(questions=questions)
        invitation = link.invitation
        context = {
            "invitation": invitation,
            "interview": invitation.interview,
            "organisation": invitation.organisation,
            "card": recorded_format_card(invitation, link="https://x.example/c/t"),
            "link": "https://x.example/c/t",
            "purpose": "invite",
        }
        for name in ("emails/invitation.txt", "emails/invitation.html"):
            body = render_to_string(name, context)
            assert expected in body, (questions, name)
            if absent:
                assert absent not in body.lower(), (questions, name)
