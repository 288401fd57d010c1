from oneway.candidate.services import answer_reveal, take_start
from oneway.candidate.tasks import submit_last_takes_of_closed_interviews
from oneway.core.models import AuditEntry, InvitationStatus
from oneway.core.models.answers import TakeState


def test_when_an_interview_closes_an_unsent_answer_counts_with_its_last_saved_take(
    make_candidate,
) -> None:
    link = make_candidate(questions=[{"answer_type": "video", "retakes": 2}, "video"])
    invitation = link.invitation
    invitation.consent_at = invitation.invited_at
    invitation.save()
    answer = answer_reveal(invitation=invitation, question=link.questions[0])
    saved = [take_start(answer=answer) for _ in range(2)]
    for take in saved:
        take.state = TakeState.UPLOADED
        take.save()
    take_start(answer=answer)  # a third take never finished uploading
    answer_reveal(invitation=invitation, question=link.questions[1])  # seen, never recorded

    assert submit_last_takes_of_closed_interviews.call_local() == 0  # still open
    invitation.status = InvitationStatus.EXPIRED
    invitation.save()
    assert submit_last_takes_of_closed_interviews.call_local() == 1
    answer.refresh_from_db()
    assert answer.submitted_take == saved[1]
    assert AuditEntry.objects.filter(action="answer.submitted", data__automatic=True).count() == 1
    assert submit_last_takes_of_closed_interviews.call_local() == 0  # idempotent
