from django import template

from accounts.audit import action_label as _label

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return _label(action)
