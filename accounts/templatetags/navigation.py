"""The header's main navigation, per role: `{% main_nav %}`.

Every page pays for its header. Through the template engine it reversed
about ten URLs and compared the page's URL name some twenty times a
request; here each role's links are reversed once per process (and script
prefix, and language) and the page's own link is marked with
aria-current="page". The links and labels are this module's constants
and their translations: nothing a person typed is printed; the labels
are escaped once, when a language's links are first built."""

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common import sms

register = template.Library()

# Per role: (URL name, label, the page names that mark it current; none:
# never marked). The shared links follow each role's own.
_ROLE_LINKS = {
    "client": [
        ("coaching:client_home", _("My sessions"), ("client_home",)),
        ("coaching:my_plan", _("My plan"), ("plan",)),
        ("coaching:my_checkins", _("My check-ins"), ("my_checkins",)),
        ("coaching:my_consents", _("My consents"), ("my_consents",)),
        ("coaching:my_accounting", _("Who my information went to"), ("my_accounting",)),
        ("accounts:record_views", _("Who viewed my record"), ("record_views",)),
        ("coaching:my_record", _("My record"), ("my_record",)),
    ],
    "coach": [
        ("coaching:coach_home", _("My caseload"), ("coach_home",)),
        ("sessions_log:agenda", _("Agenda"), ("agenda",)),
    ],
    "supervisor": [
        ("coaching:team_dashboard", _("Team dashboard"), ("team_dashboard",)),
        ("accounts:team", _("My team"), ("team",)),
        ("sessions_log:review_queue", _("Notes to review"), ("review_queue",)),
        ("coaching:supervision", _("Flags inbox"), ("supervision",)),
        ("coaching:record_requests", _("Record requests"), ("record_requests",)),
        ("accounts:audit_log", _("Audit trail"), ("audit_log",)),
    ],
    "admin": [
        ("accounts:manage", _("Invitations and teams"), ("manage",)),
        ("coaching:team_dashboard", _("Teams dashboard"), ("team_dashboard",)),
        ("coaching:billing", _("Billing"), ("billing", "claim_batch")),
        ("sessions_log:reminder_problems", _("Failed deliveries"), ("reminder_problems",)),
        ("accounts:audit_log", _("Audit trail"), ("audit_log",)),
        ("admin:index", _("Admin site"), ()),
    ],
}
_CALENDAR_AND_EMAIL = [
    ("sessions_log:feed_settings", _("Calendar link"), ()),
    ("sessions_log:reminder_settings", _("Email settings"), ("reminder_settings",)),
]
# Clients' text messages, where texts are available (common.sms.enabled).
_TEXTS = [("sessions_log:text_settings", _("Text messages"), ("text_settings",))]
_ACCOUNT = [
    ("account_change_password", _("Account"), ()),
    ("accounts:login_sessions", _("Sessions"), ("login_sessions",)),
]
_TWO_FACTOR = [("mfa_index", _("Two-factor"), ())]

_reversed: dict[tuple[str, str, str, bool], list[tuple[str, str, tuple]]] = {}


def links_for(role: str) -> list[tuple[str, str, tuple]]:
    """The header's links for `role`, in order: (href, label, current names)."""
    texts = role == "client" and sms.enabled()
    key = (role, get_script_prefix(), get_language(), texts)
    links = _reversed.get(key)
    if links is None:
        names = [
            *_ROLE_LINKS.get(role, []),
            *(_CALENDAR_AND_EMAIL if role in ("client", "coach") else []),
            *(_TEXTS if texts else []),
            *_ACCOUNT,
            *(_TWO_FACTOR if role != "client" else []),
        ]
        links = _reversed[key] = [(reverse(name), escape(label), now) for name, label, now in names]
    return links


@register.simple_tag(takes_context=True)
def main_nav(context) -> str:
    """The `<li>` items of the signed-in person's main navigation."""
    request = context["request"]
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else None
    return mark_safe(  # noqa: S308 - this module's constant links and labels only
        "\n".join(
            f'<li><a href="{href}"'
            + (' aria-current="page"' if current in now else "")
            + f">{label}</a></li>"
            for href, label, now in links_for(context["user"].role)
        )
    )
