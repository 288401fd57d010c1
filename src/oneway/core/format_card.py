"""The format card: the first thing every invitation, email and candidate page shows.

One component for both formats. Recorded interviews build it with
``recorded_format_card`` (core); live interviews with ``oneway.live.format_card``.
It renders through one pair of templates, ``core/format_card.html`` (pages and HTML
email) and ``core/format_card.txt`` (plain-text email), so it reads the same everywhere.
"""

from dataclasses import dataclass, field
from typing import Literal

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
