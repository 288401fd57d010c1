"""The limits the server enforces on a candidate's recordings (the browser only shows them).

A take may last the question's limit times the candidate's time factor, plus a small
tolerance for the recorder's last chunk. Its size may reach that length times the
maximum bitrate we allow, plus slack for container overhead. The recorder asks browsers
for well under that bitrate (``RECORDER``), so an honest recording never comes close.
"""

import datetime
from dataclasses import dataclass

from oneway.core.answer_times import TIME_FACTORS as TIME_FACTORS
from oneway.core.answer_times import answer_times, scaled
from oneway.core.answer_times import time_factor as time_factor
from oneway.core.models import AnswerType, Interview, Invitation, Question

# What the recorder asks MediaRecorder for; passed to the browser with every page.
RECORDER = {
    "timesliceMs": 1000,
    "videoBitsPerSecond": 1_200_000,
    "audioBitsPerSecond": 96_000,
    "width": 1280,
    "height": 720,
}
# What the server accepts on average over a take (browsers overshoot short stretches).
MAX_BITS_PER_SECOND = 4_000_000
MAX_AUDIO_BITS_PER_SECOND = 512_000
SIZE_SLACK_BYTES = 2 * 1024 * 1024
# Seconds past the limit a take may run: the stop lands on the next chunk boundary.
LENGTH_TOLERANCE_SECONDS = 3.0

# The practice question: short, with a retake or two, never shown to reviewers.
PRACTICE_ANSWER_SECONDS = 60
PRACTICE_THINKING_SECONDS = 10
PRACTICE_RETAKES = 2

# The device check's test clip.
DEVICE_CHECK_CLIP_SECONDS = 5
DEVICE_CHECK_MAX_SECONDS = 15
# Test clips are a candidate's own: at most this many started per hour (per invitation),
# one unfinished at a time, and none kept longer than DEVICE_CHECK_KEEP (issue 13).
DEVICE_CHECK_PER_HOUR = 20
DEVICE_CHECK_KEEP = datetime.timedelta(hours=2)
# Reading a test clip's length stops after this many packets: a real 15 s clip has about
# 1,300 (video frames and 20 ms audio packets); more is a clip built to cost CPU.
DEVICE_CHECK_MAX_PACKETS = 5000

# How long the browser waits for the camera permission prompt before explaining it.
PERMISSION_TIMEOUT_SECONDS = 20

# A browser tab that holds the interview and has not been heard of for this long may be
# replaced by another tab without asking.
TAB_STALE_SECONDS = 25


@dataclass(frozen=True)
class AnswerLimits:
    """How one answer is given, with the candidate's accommodations applied."""

    answer_type: str  # video, audio or text (a text alternative turns recordings into text)
    thinking_seconds: int
    answer_seconds: int  # recording limit (0 for text)
    max_characters: int
    max_takes: int

    @property
    def is_recorded(self) -> bool:
        return self.answer_type in (AnswerType.VIDEO, AnswerType.AUDIO)

    @property
    def retakes(self) -> int:
        return self.max_takes - 1

    @property
    def max_seconds_accepted(self) -> float:
        return self.answer_seconds + LENGTH_TOLERANCE_SECONDS

    @property
    def max_bytes(self) -> int:
        rate = (
            MAX_BITS_PER_SECOND
            if self.answer_type == AnswerType.VIDEO
            else MAX_AUDIO_BITS_PER_SECOND
        )
        return int(self.max_seconds_accepted * rate / 8) + SIZE_SLACK_BYTES


def question_limits(question: Question, invitation: Invitation) -> AnswerLimits:
    times = answer_times(question, invitation)
    return AnswerLimits(
        answer_type=times.answer_type,
        thinking_seconds=times.thinking_seconds,
        answer_seconds=times.answer_seconds,
        max_characters=question.max_characters,
        max_takes=1 + question.retakes if times.is_recorded else 1,
    )


def practice_limits(invitation: Invitation) -> AnswerLimits:
    interview: Interview = invitation.interview
    factor = time_factor(invitation)
    has_video = interview.questions.filter(answer_type=AnswerType.VIDEO).exists()
    return AnswerLimits(
        answer_type=AnswerType.VIDEO if has_video else AnswerType.AUDIO,
        thinking_seconds=scaled(
            min(
                PRACTICE_THINKING_SECONDS,
                interview.default_thinking_seconds or PRACTICE_THINKING_SECONDS,
            ),
            factor,
        ),
        answer_seconds=scaled(PRACTICE_ANSWER_SECONDS, factor),
        max_characters=0,
        max_takes=1 + PRACTICE_RETAKES,
    )


def device_check_max_bytes() -> int:
    return int(DEVICE_CHECK_MAX_SECONDS * MAX_BITS_PER_SECOND / 8) + SIZE_SLACK_BYTES
