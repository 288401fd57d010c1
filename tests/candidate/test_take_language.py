"""The speech engine listens for the invitation's language (issue 16)."""

from oneway.candidate.services import answer_reveal, take_start


def test_a_takes_media_carries_the_invitations_language(
    make_candidate, enter, tus_for, make_recording, django_capture_on_commit_callbacks
) -> None:
    link = make_candidate(practice_enabled=False, language="de")
    link.invitation.language = "pt-br"
    link.invitation.save(update_fields=["language"])
    client = enter(link)
    client.post("/c/", {"action": "consent", "agree": "on"})
    link.invitation.refresh_from_db()
    take = take_start(answer=answer_reveal(invitation=link.invitation, question=link.questions[0]))
    meta = {"purpose": "answer", "take": str(take.pk), "filetype": "video/webm"}
    with django_capture_on_commit_callbacks(execute=True):
        response = tus_for(client).send(make_recording(2), pieces=2, **meta)
    assert response.status_code == 204, response.content
    take.refresh_from_db()
    assert take.media is not None
    assert take.media.spoken_language == "pt-br"
