"""How long a candidate has for each answer, with their accommodations applied.

The one source for every sentence about times and answer types: the question page, the
recorder's limits, the server's checks, the format card on the landing page and in
emails all read ``answer_times``. A candidate granted extra time or a text alternative
sees the same numbers and the same devices everywhere.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from oneway.core.models import AnswerType

if TYPE_CHECKING:
    from oneway.core.models import Invitation, Question

# The time factors a candidate may choose when the interview allows accommodations.
TIME_FACTORS = [Decimal("1"), Decimal("1.25"), Decimal("1.5"), Decimal("2")]


@dataclass(frozen=True)
class AnswerTimes:
    answer_type: str  # video, audio or text (a text alternative turns recordings into text)
    thinking_seconds: int  # the countdown before recording starts (0 for text)
    answer_seconds: int  # recording limit (0 for text)

    @property
    def is_recorded(self) -> bool:
        return self.answer_type in (AnswerType.VIDEO, AnswerType.AUDIO)


def time_factor(invitation: "Invitation") -> Decimal:
    factor = Decimal(invitation.accommodation_time_factor or 1)
    return max(Decimal("1"), min(factor, max(TIME_FACTORS)))


def scaled(seconds: int, factor: Decimal) -> int:
    return int((Decimal(seconds) * factor).to_integral_value())


def answer_type(question: "Question", invitation: "Invitation") -> str:
    if question.answer_type != AnswerType.TEXT and invitation.accommodation_text_alternative:
        return AnswerType.TEXT
    return question.answer_type


def answer_times(question: "Question", invitation: "Invitation") -> AnswerTimes:
    """The answer type, thinking time and recording limit this candidate gets."""
    factor = time_factor(invitation)
    kind = answer_type(question, invitation)
    recorded = kind != AnswerType.TEXT
    return AnswerTimes(
        answer_type=kind,
        # A written answer has no countdown: the candidate reads and writes at once.
        thinking_seconds=scaled(question.thinking_seconds, factor) if recorded else 0,
        answer_seconds=scaled(question.max_answer_seconds, factor) if recorded else 0,
    )


def devices_needed(times: "list[AnswerTimes]") -> str:
    """ "video" (camera and microphone), "audio" (microphone only) or "" (writing only)."""
    kinds = {t.answer_type for t in times}
    if AnswerType.VIDEO in kinds:
        return "video"
    return "audio" if AnswerType.AUDIO in kinds else ""
