"""`{{ code|language_name }}` and `{{ code|language_badge }}`: a client's
language as staff see it (accounts/languages.py); `{% languages_offered %}`
for the switch."""

from django import template
from django.conf import settings

from accounts.languages import language_badge as badge
from accounts.languages import language_name as name

register = template.Library()
register.filter("language_name", name)
register.filter("language_badge", badge)


@register.simple_tag
def languages_offered() -> list[tuple[str, str]]:
    """settings.LANGUAGES as written there, each named in itself (Django's
    own tag would translate "English" to "Inglés": a reader looks for
    their own language's name)."""
    return settings.LANGUAGES
