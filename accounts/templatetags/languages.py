"""`{{ code|language_name }}` and `{{ code|language_badge }}`: a client's
language as staff see it (accounts/languages.py)."""

from django import template

from accounts.languages import language_badge as badge
from accounts.languages import language_name as name

register = template.Library()
register.filter("language_name", name)
register.filter("language_badge", badge)
