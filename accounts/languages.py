"""How staff see the language a client reads the app in (User.language):
named in the viewer's own language, and, in long tables, a badge only
beside clients who do not read the organisation's default language (the
exception a coach or supervisor needs to notice: a Spanish-speaking
coach can then be assigned)."""

from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language_info

NO_BADGE = SafeString("")


def language_name(code: str) -> str:
    """The language's name in the active language ("Spanish", "español")."""
    return str(get_language_info(code)["name_translated"])


def language_badge(code: str) -> SafeString:
    """' <span class="badge badge-language">Spanish</span>', or nothing for
    the default language."""
    if not code or code == settings.LANGUAGE_CODE:
        return NO_BADGE
    return format_html(' <span class="badge badge-language">{}</span>', language_name(code))


def language_remember(response, language: str) -> None:
    """Keep `language` in the browser (the switch's cookie): the sign-in
    page speaks it after the person signs out, or is signed out."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
