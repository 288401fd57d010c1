import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oneway.core.languages import validate_language
from oneway.core.models.orgs import Organisation


def default_reminder_hours() -> list[int]:
    return [48, 24]


class DeadlineMode(models.TextChoices):
    FIXED = "fixed", _("A fixed date and time")
    RELATIVE = "relative", _("A number of days after the invitation")


class AnswerType(models.TextChoices):
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio only")
    TEXT = "text", _("Text")


THINKING_SECONDS = [MinValueValidator(0), MaxValueValidator(300)]
ANSWER_SECONDS = [MinValueValidator(10), MaxValueValidator(600)]
RETAKES = [MinValueValidator(0), MaxValueValidator(5)]
MAX_CHARACTERS = [MinValueValidator(50), MaxValueValidator(20000)]
MAX_REMINDER_HOURS = 24 * 14


class Interview(models.Model):
    """A position's screen: a set of questions and how candidates answer them."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="interviews"
    )
    title = models.CharField(_("title"), max_length=200)
    intro_text = models.TextField(_("introduction"), blank=True)
    thank_you_text = models.TextField(_("closing message and next steps"), blank=True)
    contact_email = models.EmailField(
        _("contact for candidates' questions"),
        help_text=_("Candidates can write here with questions before they record."),
    )
    # What candidates read (pages and emails); each invitation may override it.
    language = models.CharField(
        _("candidates' language"),
        max_length=16,
        default="en",
        validators=[validate_language],
        help_text=_("Invitations, reminders and the candidate's pages use this language."),
    )
    deadline_mode = models.CharField(
        _("deadline"), max_length=16, choices=DeadlineMode.choices, default=DeadlineMode.RELATIVE
    )
    deadline_at = models.DateTimeField(_("fixed deadline"), null=True, blank=True)
    deadline_timezone = models.CharField(
        _("time zone of the fixed deadline"), max_length=64, default="UTC"
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("days after the invitation"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    deadline_time = models.TimeField(
        _("at this time (candidate's time zone)"), default=datetime.time(17, 0)
    )
    default_thinking_seconds = models.PositiveSmallIntegerField(
        _("default thinking time (seconds)"), default=30, validators=THINKING_SECONDS
    )
    default_answer_seconds = models.PositiveSmallIntegerField(
        _("default answer length (seconds)"), default=120, validators=ANSWER_SECONDS
    )
    default_retakes = models.PositiveSmallIntegerField(
        _("default retakes"), default=1, validators=RETAKES
    )
    practice_enabled = models.BooleanField(_("offer a practice question"), default=True)
    accommodations_enabled = models.BooleanField(
        _("candidates may request accommodations"), default=True
    )
    reminder_hours = models.JSONField(
        _("reminders (hours before the deadline)"), default=default_reminder_hours, blank=True
    )
    grace_minutes = models.PositiveSmallIntegerField(
        _("grace after the deadline (minutes)"), default=15, validators=[MaxValueValidator(1440)]
    )
    apply_link_enabled = models.BooleanField(_("public apply link"), default=False)
    apply_token = models.CharField(max_length=64, blank=True, db_index=True)
    blind_mode = models.BooleanField(_("blind review"), default=False)
    keep_originals = models.BooleanField(_("keep original uploads"), default=True)
    # Days after the interview closes before candidates' data is deleted; None: the
    # organisation's setting. 0 keeps the data until someone deletes it.
    retention_days = models.PositiveIntegerField(
        _("retention (days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(3650)],
        help_text=_("Leave empty to use the organisation's retention."),
    )
    # A legal hold stops every deletion (retention and candidates' own) until lifted.
    legal_hold_at = models.DateTimeField(null=True, blank=True)
    legal_hold_note = models.CharField(_("reason for the hold"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # The team's welcome video on the candidate's landing page (issue 16), shown once its
    # processing is ready; the text version is what the team typed, else the transcript.
    welcome_media = models.ForeignKey(
        "media.MediaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("welcome video"),
    )
    welcome_text = models.TextField(
        _("text version of the welcome video"),
        blank=True,
        help_text=_(
            "Shown to candidates under the video. Leave empty to show the automatic transcript."
        ),
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "archived_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def clean(self) -> None:
        from oneway.core.timezones import is_valid_timezone

        errors: dict[str, list[Any]] = {}
        if self.deadline_mode == DeadlineMode.FIXED and self.deadline_at is None:
            errors["deadline_at"] = [_("Choose the date and time of the fixed deadline.")]
        if not is_valid_timezone(self.deadline_timezone):
            errors["deadline_timezone"] = [_("Choose a time zone from the list.")]
        hours = self.reminder_hours
        if not isinstance(hours, list) or not all(
            isinstance(h, int) and 1 <= h <= MAX_REMINDER_HOURS for h in hours
        ):
            errors["reminder_hours"] = [
                _("Reminders are whole hours between 1 and %(max)d before the deadline.")
                % {"max": MAX_REMINDER_HOURS}
            ]
        elif len(hours) > 5:
            errors["reminder_hours"] = [_("At most 5 reminders.")]
        if errors:
            raise ValidationError(errors)


class QuestionFields(models.Model):
    """What a question asks and how it is answered; shared by interview and library."""

    prompt = models.TextField(_("question"))
    answer_type = models.CharField(
        _("answer type"), max_length=16, choices=AnswerType.choices, default=AnswerType.VIDEO
    )
    thinking_seconds = models.PositiveSmallIntegerField(
        _("thinking time (seconds)"), default=30, validators=THINKING_SECONDS
    )
    max_answer_seconds = models.PositiveSmallIntegerField(
        _("maximum answer length (seconds)"), default=120, validators=ANSWER_SECONDS
    )
    max_characters = models.PositiveIntegerField(
        _("maximum characters (text answers)"), default=2000, validators=MAX_CHARACTERS
    )
    retakes = models.PositiveSmallIntegerField(_("retakes allowed"), default=1, validators=RETAKES)
    rubric = models.TextField(_("rubric for reviewers"), blank=True)

    class Meta:
        abstract = True


class Question(QuestionFields):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    # The question asked on video by a team member (issue 16); the prompt is its text
    # version. Candidates see it once its processing is ready.
    prompt_media = models.ForeignKey(
        "media.MediaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("question video"),
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.prompt[:60]


class LibraryQuestion(QuestionFields):
    """A reusable question kept by an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="library_questions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["prompt"]

    def __str__(self) -> str:
        return self.prompt[:60]
