"""How each audit event reads to the client it is about, on their "Who
viewed my record" page: one plain sentence per event, naming who did it."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

register = template.Library()

# "{who}" is the person, e.g. "Casey Rivera (coach)". An action not listed
# reads as "{who}: <the action's code>" (never hidden: the list is complete).
SENTENCES = {
    # Opening a record.
    "client.view": _("{who} looked at your record"),
    "session.view": _("{who} opened the page of one of your sessions"),
    "note.read": _("{who} read a session note"),
    "supervisor_requests.view": _("{who} read your request to talk with a supervisor"),
    "plan.view": _("{who} looked at your recovery plan"),
    "plan.history": _("{who} looked at the history of your recovery plan"),
    "plan.print": _("{who} opened the printable page of your recovery plan"),
    "consents.view": _("{who} looked at your consents and what was shared"),
    "consent.view": _("{who} looked at one of your consents"),
    "record_requests.view": _("{who} looked at your requests about your record"),
    "record_request.view": _("{who} looked at one of your requests about your record"),
    # Lists that showed you among others.
    "caseload.list": _("{who} saw you in their caseload list"),
    "coach_caseload.list": _("{who} saw you in your coach's caseload list"),
    "agenda.list": _("{who} saw your session in their agenda"),
    "notes_to_finish.list": _("{who} saw your session in their list of notes to finish"),
    "review_queue.list": _("{who} saw your session in the list of notes to co-sign"),
    "trust_flags.list": _("{who} saw a check-in flag about you in the flags inbox"),
    "plans_due.list": _("{who} saw you in the list of plans to review"),
    "record_requests.list": _("{who} saw your request about your record in the list of open ones"),
    "people.list": _("{who} saw your name and account in the list of people"),
    "person.view": _("{who} opened your account's page (name, email, sign-in access)"),
    "audit_trail.list": _("{who} saw something done with your record in the audit trail"),
    "client.reassign_view": _("{who} opened the page to change your coach"),
    "reminder_problems.list": _(
        "{who} saw an email about your session that could not be delivered"
    ),
    # Files and feeds.
    "report.included": _("{who} exported a report that included you"),
    "calendar.download": _("{who} downloaded one of your sessions to their calendar"),
    "calendar_feed.read": _("The calendar feed of {who} was read (it lists your sessions)"),
    "record.download": _("{who} downloaded your whole record"),
    "disclosure.record": _(
        "{who} sent some of your information outside this organisation, under a consent "
        "you signed (see My consents)"
    ),
    # Changes.
    "note.create": _("{who} started a session note"),
    "note.save_draft": _("{who} edited a draft session note"),
    "note.sign": _("{who} signed a session note"),
    "note.addendum": _("{who} added to a session note"),
    "plan.create": _("{who} started your recovery plan"),
    "plan.goal_add": _("{who} added a goal to your recovery plan"),
    "plan.goal_change": _("{who} changed a goal in your recovery plan"),
    "plan.step_add": _("{who} added a step to your recovery plan"),
    "plan.step_change": _("{who} changed a step in your recovery plan"),
    "plan.step_progress": _("{who} updated how a step of your plan is going"),
    "plan.confirm": _("{who} agreed to your recovery plan"),
    "plan.sign": _("{who} signed your recovery plan"),
    "consent.prepare": _("{who} prepared a consent for you to read and sign"),
    "consent.end": _("{who} ended one of your consents"),
    "record_request.log": _("{who} wrote down your request about your record"),
    "record_request.decide": _("{who} answered your request about your record"),
    "note.cosigned": _("{who} co-signed a session note"),
    "note.returned": _("{who} returned a session note to your coach"),
    "session.schedule": _("{who} scheduled a session"),
    "session.reschedule": _("{who} moved a session"),
    "session.cancel": _("{who} cancelled a session"),
    "session.completed": _("{who} marked a session completed"),
    "session.no_show": _("{who} marked a session missed"),
    "session.log_contact": _("{who} logged a contact"),
    "session.hand_over": _("{who} moved a session to your new coach"),
    "session.billing": _("{who} changed how a session is billed"),
    "payer_identity.view": _("{who} saw the details we send your payer"),
    "payer_identity.set": _("{who} changed the details we send your payer"),
    "claim.preview": _("{who} saw your sessions in a claim being prepared"),
    "assignment.create": _("{who} started working with you"),
    "assignment.reassign": _("{who} changed your coach"),
    "trust_flag.acknowledge": _("{who} acknowledged a check-in flag"),
    "trust_flag.resolve": _("{who} resolved a check-in flag"),
    "supervisor_request.handle": _("{who} took up your request to talk"),
    "supervisor_request.done": _("{who} marked your request to talk as done"),
    "user.deactivate": _("{who} closed your account"),
    "user.activate": _("{who} reopened your account"),
}

# Events a client sees about their own account, in their own words.
OWN_SENTENCES = {
    "calendar_feed.read": _("Your calendar feed was read"),
    "record.download": _("You opened or downloaded your whole record"),
}


def sentence_for(action: str, *, own: bool) -> str:
    """The sentence for an action; "{who}" stands for the person. `own`: the
    client did it themselves (or something did, with their link)."""
    if own and action in OWN_SENTENCES:
        return str(OWN_SENTENCES[action])
    if action.startswith("admin."):
        # An edit in the Django admin site (accounts/audit_admin.py).
        return gettext("{who} changed your account in the admin site")
    if action in SENTENCES:
        return str(SENTENCES[action])
    return "{who}: " + action.replace("{", "").replace("}", "")


# The role after a person's name, in the reader's language ("Casey Rivera
# (coach)"): the account's Role labels are staff words, capitalised.
ROLE_WORDS = {
    "client": pgettext_lazy("role after a name", "client"),
    "coach": pgettext_lazy("role after a name", "coach"),
    "supervisor": pgettext_lazy("role after a name", "supervisor"),
    "admin": pgettext_lazy("role after a name", "admin"),
}


def role_word(person) -> str:
    return str(ROLE_WORDS.get(person.role, person.get_role_display().lower()))


def _who(actor, *, own: bool) -> str:
    if actor is None:
        return gettext("Someone")
    if own:
        return gettext("You")
    return format_html("{} ({})", actor.display_name, role_word(actor))


@register.simple_tag
def record_event_sentence(event, viewer) -> str:
    """One event on a client's "Who viewed my record" page, in plain words,
    e.g. "Casey Rivera (coach) saw you in their caseload list"."""
    actor = event.actor
    own = actor is not None and actor.pk == viewer.pk
    text = sentence_for(event.action, own=own)
    who = _who(actor, own=own)
    before, _, after = text.partition("{who}")
    return format_html("{}{}{}", before, who, after) if "{who}" in text else text


@register.simple_tag
def record_line_sentence(line, viewer) -> str:
    """One line of a client's "Who viewed my record": what one person did in
    one read (several parts of a page read at once are one sentence), e.g.
    "Sam Lee (supervisor) saw a check-in flag about you in the flags inbox,
    and read your request to talk with a supervisor"."""
    actor = line.actor
    own = actor is not None and actor.pk == viewer.pk
    who = _who(actor, own=own)
    parts = []
    for index, action in enumerate(line.actions):
        text = sentence_for(action, own=own)
        if index and text.startswith("{who} "):
            # Every sentence starts "{who} " in every language (the catalogue
            # keeps it so): the next ones drop the person and join on "and".
            text = gettext("and {what}").replace("{what}", text.removeprefix("{who} "))
        before, _, after = text.partition("{who}")
        parts.append(format_html("{}{}{}", before, who, after) if "{who}" in text else text)
    return format_html_join(", ", "{}", ((part,) for part in parts))
