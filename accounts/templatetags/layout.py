"""The shared layout's parts, rendered once per process and kind of page:
`{% layout_assets %}`, `{% site_header %}`, `{% site_footer %}`; and a
form whose blank rendering is the same for everyone, `{% form_fields form %}`.

Every page pays for base.html. Through the template engine its header,
footer and asset links looked up the same translations, reversed the same
URLs and resolved the same static paths on every request, for output that
depends only on a few things (kept here, the in-stack baseline's CPU went
from 1.53 to about 1.38 ms a request: docs/scaling.md). Each part is therefore rendered from its own
template (includes/header.html, includes/footer.html, includes/assets.html:
still the reference, and what a test holds these equal to) the first time
a kind of page asks for it, and kept per process under everything its
output depends on: the language, the script prefix, whether someone is
signed in and their role, the page's URL name (the navigation's
aria-current), whether texts are offered. The two per-request parts of the
header, the CSRF token and the language switch's return address, are
rendered with markers and put in per request, escaped as the template
would. A changed setting (tests) empties the kept parts.

A form's fields (includes/form.html) cost most of a page with a short
table: Django renders each widget, option and attribute through templates
(the coach home's invitation form: a quarter of its rendering).
`{% form_fields form %}` keeps that HTML per form class and language when
the form is blank (not bound, no initial data of its own) and its class
says its fields are the same for everyone (`kept_blank = True`: no choice,
label or field that depends on the viewer); any other form is rendered as
the include would."""

from types import SimpleNamespace

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from common import sms

register = template.Library()

# Stand-ins for the per-request values while a part is rendered to keep:
# plain ASCII that escaping leaves as it is and no page prints otherwise.
_TOKEN = "layout-csrf-token-7d1c0f"  # noqa: S105 - a marker, replaced per request
_NEXT = "layout-next-path-7d1c0f"
# The token's field as {% csrf_token %} renders it with the stand-in.
_TOKEN_FIELD = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_TOKEN}">'

_kept: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    # Static paths, languages, the texts' provider: what a part shows may
    # change with any setting (tests override them).
    _kept.clear()


def _part(key: tuple, name: str, context: dict) -> str:
    """includes/<name>.html rendered with `context` once per `key` (plus
    the language and script prefix)."""
    key = (name, get_language(), get_script_prefix(), *key)
    html = _kept.get(key)
    if html is None:
        html = _kept[key] = render_to_string(f"includes/{name}.html", context)
    return html


@register.simple_tag
def form_fields(form) -> str:
    """includes/form.html for `form`: kept, when blank and of a kept_blank class."""
    if getattr(form, "kept_blank", False) and not form.is_bound and not form.initial:
        kind = type(form)
        key = (kind.__module__, kind.__qualname__, form.prefix, form.auto_id)
        return mark_safe(_part(key, "form", {"form": form}))  # noqa: S308 - our template's output
    return render_to_string("includes/form.html", {"form": form})


@register.simple_tag
def layout_assets() -> str:
    """The favicon, style sheet and script links (the static paths)."""
    return mark_safe(_part((), "assets", {}))  # noqa: S308 - our template's output


@register.simple_tag
def site_footer() -> str:
    """The footer: who sees the records, in the page's language."""
    return mark_safe(_part((), "footer", {}))  # noqa: S308 - our template's output


@register.simple_tag(takes_context=True)
def site_header(context) -> str:
    """The header: the brand, the person's navigation with the page's own
    link marked, the language switch where it is offered and the sign-out
    form, with this request's CSRF token and return address."""
    # A page rendered without a request (no context processors) gets the
    # signed-out header, as the template alone printed it then.
    request, user = context.get("request"), context.get("user")
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else None
    signed_in = bool(user is not None and user.is_authenticated)
    role = user.role if signed_in else None
    kept = _part(
        (signed_in, role, current, role == "client" and sms.enabled()),
        "header",
        {
            "request": SimpleNamespace(resolver_match=match, get_full_path=_NEXT),
            "user": SimpleNamespace(is_authenticated=signed_in, role=role),
            "csrf_token": _TOKEN,
        },
    )
    token = CsrfTokenNode().render(context)
    return mark_safe(  # noqa: S308 - our template's output; the two values escaped
        kept.replace(_TOKEN_FIELD, token).replace(
            _NEXT, escape(request.get_full_path()) if request is not None else ""
        )
    )
