"""How each audit event reads to the client it is about, on their "Who
viewed my record" page: one plain sentence per event, naming who did it."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

# "{who}" is the person, e.g. "Casey Rivera (coach)". An action not listed
# reads as "{who}: <the action's code>" (never hidden: the list is complete).
SENTENCES = {
    # Opening a record.
    "client.view": "{who} looked at your record",
    "session.view": "{who} opened the page of one of your sessions",
    "note.read": "{who} read a session note",
    "supervisor_requests.view": "{who} read your request to talk with a supervisor",
    "plan.view": "{who} looked at your recovery plan",
    "plan.history": "{who} looked at the history of your recovery plan",
    "plan.print": "{who} opened the printable page of your recovery plan",
    "consents.view": "{who} looked at your consents and what was shared",
    "consent.view": "{who} looked at one of your consents",
    "record_requests.view": "{who} looked at your requests about your record",
    "record_request.view": "{who} looked at one of your requests about your record",
    # Lists that showed you among others.
    "caseload.list": "{who} saw you in their caseload list",
    "coach_caseload.list": "{who} saw you in your coach's caseload list",
    "agenda.list": "{who} saw your session in their agenda",
    "notes_to_finish.list": "{who} saw your session in their list of notes to finish",
    "review_queue.list": "{who} saw your session in the list of notes to co-sign",
    "trust_flags.list": "{who} saw a check-in flag about you in the flags inbox",
    "plans_due.list": "{who} saw you in the list of plans to review",
    "record_requests.list": "{who} saw your request about your record in the list of open ones",
    "people.list": "{who} saw your name and account in the list of people",
    "person.view": "{who} opened your account's page (name, email, sign-in access)",
    "audit_trail.list": "{who} saw something done with your record in the audit trail",
    "client.reassign_view": "{who} opened the page to change your coach",
    "reminder_problems.list": "{who} saw an email about your session that could not be delivered",
    # Files and feeds.
    "report.included": "{who} exported a report that included you",
    "calendar.download": "{who} downloaded one of your sessions to their calendar",
    "calendar_feed.read": "The calendar feed of {who} was read (it lists your sessions)",
    "record.download": "{who} downloaded your whole record",
    "disclosure.record": (
        "{who} sent some of your information outside this organisation, under a consent "
        "you signed (see My consents)"
    ),
    # Changes.
    "note.create": "{who} started a session note",
    "note.save_draft": "{who} edited a draft session note",
    "note.sign": "{who} signed a session note",
    "note.addendum": "{who} added to a session note",
    "plan.create": "{who} started your recovery plan",
    "plan.goal_add": "{who} added a goal to your recovery plan",
    "plan.goal_change": "{who} changed a goal in your recovery plan",
    "plan.step_add": "{who} added a step to your recovery plan",
    "plan.step_change": "{who} changed a step in your recovery plan",
    "plan.step_progress": "{who} updated how a step of your plan is going",
    "plan.confirm": "{who} agreed to your recovery plan",
    "plan.sign": "{who} signed your recovery plan",
    "consent.prepare": "{who} prepared a consent for you to read and sign",
    "consent.end": "{who} ended one of your consents",
    "record_request.log": "{who} wrote down your request about your record",
    "record_request.decide": "{who} answered your request about your record",
    "note.cosigned": "{who} co-signed a session note",
    "note.returned": "{who} returned a session note to your coach",
    "session.schedule": "{who} scheduled a session",
    "session.reschedule": "{who} moved a session",
    "session.cancel": "{who} cancelled a session",
    "session.completed": "{who} marked a session completed",
    "session.no_show": "{who} marked a session missed",
    "session.log_contact": "{who} logged a contact",
    "session.hand_over": "{who} moved a session to your new coach",
    "session.billing": "{who} changed how a session is billed",
    "payer_identity.view": "{who} saw the details we send your payer",
    "payer_identity.set": "{who} changed the details we send your payer",
    "claim.preview": "{who} saw your sessions in a claim being prepared",
    "assignment.create": "{who} started working with you",
    "assignment.reassign": "{who} changed your coach",
    "trust_flag.acknowledge": "{who} acknowledged a check-in flag",
    "trust_flag.resolve": "{who} resolved a check-in flag",
    "supervisor_request.handle": "{who} took up your request to talk",
    "supervisor_request.done": "{who} marked your request to talk as done",
    "user.deactivate": "{who} closed your account",
    "user.activate": "{who} reopened your account",
}

# Events a client sees about their own account, in their own words.
OWN_SENTENCES = {
    "calendar_feed.read": "Your calendar feed was read",
    "record.download": "You opened or downloaded your whole record",
}


def sentence_for(action: str, *, own: bool) -> str:
    """The sentence for an action; "{who}" stands for the person. `own`: the
    client did it themselves (or something did, with their link)."""
    if own and action in OWN_SENTENCES:
        return OWN_SENTENCES[action]
    if action.startswith("admin."):
        # An edit in the Django admin site (accounts/audit_admin.py).
        return "{who} changed your account in the admin site"
    return SENTENCES.get(action, "{who}: " + action.replace("{", "").replace("}", ""))


@register.simple_tag
def record_event_sentence(event, viewer) -> str:
    """One event on a client's "Who viewed my record" page, in plain words,
    e.g. "Casey Rivera (coach) saw you in their caseload list"."""
    actor = event.actor
    own = actor is not None and actor.pk == viewer.pk
    text = sentence_for(event.action, own=own)
    if actor is None:
        who = "Someone"
    elif own:
        who = "You"
    else:
        who = format_html("{} ({})", actor.display_name, actor.get_role_display().lower())
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
    if actor is None:
        who = "Someone"
    elif own:
        who = "You"
    else:
        who = format_html("{} ({})", actor.display_name, actor.get_role_display().lower())
    parts = []
    for index, action in enumerate(line.actions):
        text = sentence_for(action, own=own)
        if index and text.startswith("{who} "):
            text = "and " + text.removeprefix("{who} ")
        before, _, after = text.partition("{who}")
        parts.append(format_html("{}{}{}", before, who, after) if "{who}" in text else text)
    return format_html_join(", ", "{}", ((part,) for part in parts))
