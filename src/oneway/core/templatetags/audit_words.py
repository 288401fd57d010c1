from django import template

from oneway.core.audit_words import action_words as words_for

register = template.Library()


@register.filter
def action_words(action: str) -> str:
    """``{{ entry.action|action_words }}``: the history sentence for an audit action."""
    return words_for(action)
