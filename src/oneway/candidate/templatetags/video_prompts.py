from typing import Any

from django import template

from oneway.candidate.serving import PromptVideo, welcome_video

register = template.Library()


@register.simple_tag(takes_context=True)
def welcome_video_for(context: dict[str, Any], invitation: Any) -> PromptVideo | None:
    """The interview's welcome video for this candidate's page (None unless processed)."""
    return welcome_video(invitation, context.get("request"))
