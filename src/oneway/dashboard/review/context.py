"""What the candidate review page shows, built once for staff and share-link pages."""

import datetime
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.db.models import Count, Prefetch
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from oneway.core.models import Answer, AnswerType, Invitation, Question
from oneway.media.captions import track_language
from oneway.media.models import MediaItem, ProcessingState
from oneway.reviews.models import Comment, Rating, Review
from oneway.reviews.selectors import QuestionAggregate, aggregate
from oneway.reviews.templatetags.review_tags import duration as short_duration

LINE_WORDS = 12
LINE_PAUSE = 1.2  # seconds of silence that start a new transcript line


@dataclass
class TranscriptLine:
    start: float
    words: list[dict[str, Any]]

    @property
    def time_code(self) -> str:
        return time_code(self.start)


def time_code(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def transcript_lines(words: list[dict[str, Any]]) -> list[TranscriptLine]:
    lines: list[TranscriptLine] = []
    current: list[dict[str, Any]] = []
    last_end = 0.0
    for word in words:
        try:
            start, end, text = float(word["start"]), float(word["end"]), str(word["w"])
        except (KeyError, TypeError, ValueError):
            continue
        if current and (len(current) >= LINE_WORDS or start - last_end > LINE_PAUSE):
            lines.append(TranscriptLine(start=current[0]["start"], words=current))
            current = []
        current.append({"w": text, "start": start, "end": end})
        last_end = end
    if current:
        lines.append(TranscriptLine(start=current[0]["start"], words=current))
    return lines


@dataclass
class AnswerBlock:
    """One question and the candidate's answer to it, as the page shows them."""

    number: int
    question: Question
    answer: Answer | None
    media: MediaItem | None
    takes_used: int
    my_score: int | None = None
    aggregate: QuestionAggregate | None = None
    comments: list[Comment] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    competencies: list[Any] = field(default_factory=list)  # scorecard_context.CompetencyChoice

    @property
    def submitted(self) -> bool:
        return self.answer is not None and self.answer.submitted_at is not None

    @property
    def kind(self) -> str:
        if not self.submitted:
            return "none"
        if self.question.answer_type == AnswerType.TEXT or self.media is None:
            return "text"
        return "audio" if self.media.kind == "audio" else "video"

    @property
    def takes_allowed(self) -> int:
        return 1 + self.question.retakes

    @property
    def time_taken(self) -> datetime.timedelta | None:
        answer = self.answer
        if answer is None or answer.revealed_at is None or answer.submitted_at is None:
            return None
        return answer.submitted_at - answer.revealed_at

    @property
    def duration(self) -> str:
        if self.media is None or not self.media.duration_ms:
            return ""
        return time_code(self.media.duration_ms / 1000)

    @property
    def facts(self) -> list[str]:
        """The line under the question: type, length, time taken, takes used."""
        facts = [str(self.question.get_answer_type_display())]
        if self.duration:
            facts.append(gettext("Length %(d)s") % {"d": self.duration})
        if self.time_taken is not None:
            facts.append(
                gettext("Time taken %(t)s (from seeing the question to submitting)")
                % {"t": short_duration(self.time_taken)}
            )
        if self.question.answer_type != AnswerType.TEXT and self.answer is not None:
            facts.append(
                gettext("Takes used: %(used)d of %(allowed)d")
                % {"used": self.takes_used, "allowed": self.takes_allowed}
            )
        return facts

    @property
    def ready(self) -> bool:
        return self.media is not None and self.media.state == ProcessingState.READY

    @cached_property
    def transcript(self) -> list[TranscriptLine]:
        if self.media is None or not self.media.transcript_words:
            return []
        return transcript_lines(self.media.transcript_words)

    @cached_property
    def transcript_html(self) -> str:
        return transcript_html(self.transcript)

    @cached_property
    def captions_track(self) -> tuple[str, str]:
        """(srclang, label) of the captions: the language the transcript is in."""
        return track_language(self.media.transcript_language if self.media else "")


def transcript_html(lines: list[TranscriptLine]) -> str:
    """The transcript as HTML: a seek button per line, a span per word with its timing.

    Built here rather than in a template loop: a three-minute answer has hundreds of
    words, and the template engine would spend most of the page's time on them.
    """
    parts = []
    for line in lines:
        label = gettext("Play from %(at)s") % {"at": line.time_code}
        words = " ".join(
            f'<span class="word" data-start="{w["start"]:.2f}" data-end="{w["end"]:.2f}">'
            f"{escape(w['w'])}</span>"
            for w in line.words
        )
        parts.append(
            f'<p class="transcript-line"><button type="button" class="link seek" '
            f'data-seek="{line.start:.2f}" aria-label="{escape(label)}">{line.time_code}</button> '
            f"{words}</p>"
        )
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped or a number)


def template_exists(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def answer_blocks(invitation: Invitation) -> list[AnswerBlock]:
    questions = list(invitation.interview.questions.all())
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(invitation=invitation, is_practice=False)
        .select_related("submitted_take__media__organisation")
        .defer("submitted_take__media__probe")
        .annotate(takes_used=Count("takes"))
    }
    blocks = []
    for number, question in enumerate(questions, start=1):
        answer = answers.get(question.pk)
        take = answer.submitted_take if answer else None
        blocks.append(
            AnswerBlock(
                number=number,
                question=question,
                answer=answer,
                media=take.media if take else None,
                takes_used=getattr(answer, "takes_used", 0) if answer else 0,
            )
        )
    return blocks


def reviews_of(invitation: Invitation) -> list[Review]:
    return list(
        Review.objects.filter(invitation=invitation)
        .select_related("reviewer", "share_link")
        .prefetch_related(Prefetch("ratings", queryset=Rating.objects.order_by("question_id")))
    )


def attach_reviews(
    blocks: list[AnswerBlock], reviews: list[Review], mine: Review | None, show_others: bool
) -> list[QuestionAggregate]:
    if mine is not None:
        scores = {r.question_id: r.score for r in mine.ratings.all()}
        for block in blocks:
            block.my_score = scores.get(block.question.pk)
    aggregates = aggregate([b.question for b in blocks], reviews) if show_others else []
    for block, agg in zip(blocks, aggregates, strict=False):
        block.aggregate = agg
    return aggregates


def comments_of(invitation: Invitation, *, only_by: Any = None) -> list[Comment]:
    """Top-level comments with their replies, oldest first; ``only_by`` a user: theirs only
    (a reviewer who has not submitted their review yet sees no one else's)."""
    comments = Comment.objects.filter(invitation=invitation, parent__isnull=True)
    replies = Comment.objects.select_related("author").order_by("pk")
    if only_by is not None:
        comments = comments.filter(author=only_by)
        replies = replies.filter(author=only_by)
    return list(
        comments.select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "pk")
    )


def attach_comments(blocks: list[AnswerBlock], comments: list[Comment]) -> list[Comment]:
    """Put answer comments beside their answer; return the general ones."""
    by_answer = {b.answer.pk: b for b in blocks if b.answer is not None}
    general = []
    for comment in comments:
        block = by_answer.get(comment.answer_id) if comment.answer_id else None
        if block is None:
            general.append(comment)
        else:
            block.comments.append(comment)
    for block in blocks:
        block.comments.sort(key=lambda c: (c.time_ms is None, c.time_ms or 0, c.pk))
    return general
