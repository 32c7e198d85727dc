"""The language a person reads the app in (User.language)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User


def language_offered(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


@transaction.atomic
def user_language_set(*, actor: User, language: str) -> User:
    """The person chooses their own language: the pages, emails and
    calendar files speak it from the next request on."""
    if not language_offered(language):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    User.objects.filter(pk=actor.pk).update(language=language)
    actor.language = language
    audit_record(actor=actor, action="user.language", obj=actor)
    return actor
