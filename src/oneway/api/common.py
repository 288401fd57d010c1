"""Pieces every router shares: the viewer, input schemas, list envelopes, UTC times."""

import datetime
from typing import Annotated, Any, Generic, TypeVar

from django.http import HttpRequest
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, field_validator

from oneway.access import Viewer
from oneway.api.pagination import MAX_ID, MAX_LIMIT

T = TypeVar("T")

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _to_utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        raise ValueError("Give the time with an offset or Z.")
    try:
        value = value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError("The time is out of range.") from None
    if not 1970 <= value.year <= 2200:
        raise ValueError("The time must be between 1970 and 2200.")
    return value


# Input times: ISO 8601 with an offset (or Z), turned into UTC.
UtcDateTime = Annotated[datetime.datetime, AfterValidator(_to_utc)]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]


def viewer_of(request: HttpRequest) -> Viewer:
    return request.viewer  # type: ignore[attr-defined,no-any-return]


def utc(value: datetime.datetime | None) -> datetime.datetime | None:
    return value.astimezone(datetime.UTC) if value is not None else None


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


class Input(Schema):
    """A request body: unknown fields are refused, text never carries NUL."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _text_without_nul(cls, value: Any) -> Any:
        return _no_nul(value)


class Page(Schema, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


CURSOR_DESCRIPTION = "The next_cursor of the previous page."
UPDATED_SINCE_DESCRIPTION = "Only objects changed at or after this time (ISO 8601 with offset)."
