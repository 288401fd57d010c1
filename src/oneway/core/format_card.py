"""The format card: the first thing every invitation, email and candidate page shows.

One component for both formats. Recorded interviews build it with
``recorded_format_card`` (core); live interviews with ``oneway.live.format_card``.
It renders through one pair of templates, ``core/format_card.html`` (pages and HTML
email) and ``core/format_card.txt`` (plain-text email), so it reads the same everywhere.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext, ngettext

from oneway.core.answer_times import AnswerTimes, answer_times, devices_needed
from oneway.core.deadlines import format_moment, same_wall_clock
from oneway.core.models import AnswerType
from oneway.core.services.retention import retention_promise, rights_promise

if TYPE_CHECKING:
    from oneway.core.models import Interview, Invitation

FormatName = Literal["recorded", "live"]


@dataclass(frozen=True)
class FormatCard:
    format: FormatName
    # "Recorded interview: no one will be on the call" / "Live interview: you will meet ..."
    headline: str
    # The deadline ("Answer by ...") or the time ("On ..."), in the candidate's time zone.
    when: str
    # The same moment in the organisation's time zone, when it differs ("" otherwise).
    when_elsewhere: str = ""
    # Short lines of what to expect: questions, timings, retakes, duration, device, ...
    facts: list[str] = field(default_factory=list)
    # How to ask the recruiter a question (an email address or a sentence).
    contact: str = ""
    # What happens to the videos (recorded) or what to prepare (live).
    notes: list[str] = field(default_factory=list)
    # The candidate's personal link (emails) or the meeting link (live, once visible).
    link: str = ""
    link_label: str = ""
    # Recorded interviews: "video", "audio" or "" (writing only), accommodations applied;
    # the sentences around the card (emails, landing page) name these devices and no other.
    devices: str = ""


def _duration(seconds: int) -> str:
    if seconds < 60 or seconds % 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = seconds // 60
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def _span(values: list[int], one: str, many: str) -> str:
    """``one`` with the single value, or ``many`` with the smallest and largest."""
    low, high = min(values), max(values)
    if low == high:
        return one % {"value": _duration(low)}
    return many % {"low": _duration(low), "high": _duration(high)}


def expected_minutes(interview: "Interview", times: list[AnswerTimes]) -> int:
    """A generous estimate of the whole sitting, rounded up to 5 minutes.

    Landing page and device check (5 min), the practice question, then per question the
    thinking time and the full answer time (writing a text answer counts 5 minutes).
    Retakes are not counted: they are optional.
    ``times`` are the candidate's own (``answer_times``), accommodations applied.
    """
    seconds = 5 * 60
    recorded = [t for t in times if t.is_recorded]
    if interview.practice_enabled and recorded:
        seconds += 2 * 60
    for entry in times:
        seconds += entry.thinking_seconds
        seconds += entry.answer_seconds if entry.is_recorded else 5 * 60
    minutes = -(-seconds // 60)
    return max(5, -(-minutes // 5) * 5)


def _device_line(answer_types: set[str]) -> str:
    if AnswerType.VIDEO in answer_types:
        return gettext(
            "You need a laptop, tablet or phone with a camera and a microphone, a recent "
            "browser (Chrome, Edge, Firefox or Safari) and a quiet place."
        )
    if AnswerType.AUDIO in answer_types:
        return gettext(
            "You need a laptop, tablet or phone with a microphone (no camera), a recent "
            "browser and a quiet place."
        )
    return gettext("You need a device with a recent browser and a keyboard.")


def recorded_format_card(invitation: "Invitation", *, link: str = "") -> FormatCard:
    """The format card of a recorded interview, as this candidate will meet it.

    Every time and device it names comes from ``answer_times``, the function the question
    page uses, so a candidate with extra time or a text alternative reads the numbers
    and the devices they will actually get.
    """
    interview = invitation.interview
    organisation = invitation.organisation
    questions = list(interview.questions.all())
    times = [answer_times(q, invitation) for q in questions]
    facts: list[str] = [
        ngettext("%(n)d question", "%(n)d questions", len(questions)) % {"n": len(questions)}
    ]
    recorded = [(q, t) for q, t in zip(questions, times, strict=True) if t.is_recorded]
    written = [q for q, t in zip(questions, times, strict=True) if not t.is_recorded]
    if recorded:
        facts.append(
            _span(
                [t.answer_seconds for _, t in recorded],
                gettext("Up to %(value)s per recorded answer"),
                gettext("Up to %(low)s to %(high)s per recorded answer, depending on the question"),
            )
        )
    if written:
        facts.append(
            ngettext(
                "Written answers of up to %(n)d character",
                "Written answers of up to %(n)d characters",
                max(q.max_characters for q in written),
            )
            % {"n": max(q.max_characters for q in written)}
        )
    # Only recordings have a thinking countdown; written answers are read and written at once.
    thinking = [t.thinking_seconds for _, t in recorded]
    if thinking and max(thinking) == 0:
        facts.append(gettext("No thinking time: you answer as soon as you see each question"))
    elif thinking:
        facts.append(
            _span(
                thinking,
                gettext("%(value)s to think after you see each question"),
                gettext("%(low)s to %(high)s to think after you see each question"),
            )
        )
    retakes = [q.retakes for q, _ in recorded]
    if retakes:
        low, high = min(retakes), max(retakes)
        if high == 0:
            facts.append(gettext("No retakes: your first recording of each answer is sent"))
        elif low == high:
            facts.append(
                ngettext("%(n)d retake per answer", "%(n)d retakes per answer", high) % {"n": high}
            )
        else:
            facts.append(
                gettext("%(low)d to %(high)d retakes per answer, depending on the question")
                % {"low": low, "high": high}
            )
    minutes = expected_minutes(interview, times)
    facts.append(
        ngettext("About %(n)d minute in total", "About %(n)d minutes in total", minutes)
        % {"n": minutes}
    )
    if interview.practice_enabled and recorded:
        facts.append(gettext("A practice question first, which no one else sees"))
    facts.append(_device_line({t.answer_type for t in times}))
    if interview.accommodations_enabled:
        facts.append(gettext("You can ask for extra time or a text alternative before you start"))

    when = gettext("Answer by %(moment)s") % {
        "moment": format_moment(invitation.deadline, invitation.timezone)
    }
    when_elsewhere = ""
    if not same_wall_clock(invitation.deadline, invitation.timezone, organisation.timezone):
        when_elsewhere = gettext("For %(org)s that is %(moment)s") % {
            "org": organisation.name,
            "moment": format_moment(invitation.deadline, organisation.timezone),
        }

    notes = [
        gettext(
            "Only the hiring team at %(org)s watches your answers. No automated scoring: "
            "people decide."
        )
        % {"org": organisation.name}
    ]
    notes.append(retention_promise(interview))
    notes.append(rights_promise(invitation))
    contact = gettext(
        "Questions before you start? Write to %(email)s. No one is there during the recording."
    ) % {"email": interview.contact_email}
    return FormatCard(
        format="recorded",
        headline=gettext("Recorded interview: no one will be on the call"),
        when=when,
        when_elsewhere=when_elsewhere,
        facts=facts,
        contact=contact,
        notes=notes,
        link=link,
        link_label=gettext("Open your interview") if link else "",
        devices=devices_needed(times),
    )
