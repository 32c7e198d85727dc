"""`{% texts_offered as offered %}`: whether the page may point the person
to their text-message page (/texts/): a client, with texts available here."""

from django import template

from accounts.models import Role
from common import sms

register = template.Library()


@register.simple_tag(takes_context=True)
def texts_offered(context) -> bool:
    user = context.get("user")
    return bool(user and user.is_authenticated and user.role == Role.CLIENT and sms.enabled())
