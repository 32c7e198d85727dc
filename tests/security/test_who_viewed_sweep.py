"""Every staff read of a client's record is one line of that client's "Who
viewed my record" (issue 29, "Done when": none missing, none twice).

The list of pages comes from the authorization matrix (test_matrix.MATRIX):
every GET page a member of staff may open is either a page that shows a
client (SHOWS_CLIENT: as each role that may open it, the page names the
client and their "Who viewed my record" gains exactly one line) or a page
that shows none (NO_CLIENT, with the reason: the page must not name the
client, and their list gains nothing). A new staff page in the matrix fails
`test_every_staff_page_is_classified` until it is put in one of the two.

HIPAA 45 CFR 164.312(b) (audit controls: record and examine activity in
systems holding ePHI) and 164.308(a)(1)(ii)(D) (information system activity
review): a read that is not recorded cannot be reviewed, by the
organisation or by the client.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import PayerIdentity
from sessions_log.models import Reminder, SessionGroup
from tests.helpers import past_contact, sign_in
from tests.security.test_matrix import MATRIX

STAFF = {"coach", "supervisor", "admin"}

SHOWS_CLIENT = {
    "accounts:people",
    "accounts:person",
    "accounts:audit_log",
    "accounts:audit_export",
    "accounts:breach_report",
    "coaching:claim_batch",
    "coaching:client_accounting",
    "coaching:client_consents",
    "coaching:client_history",
    "coaching:client_reassign",
    "coaching:client_record_requests",
    "coaching:client_timeline",
    "coaching:coach_detail",
    "coaching:coach_home",
    "coaching:consent_disclosure",
    "coaching:consent_document",
    "coaching:consent_print",
    "coaching:consent_signed_copy",
    "coaching:episode_billing",
    "coaching:episodes",
    "coaching:outreach",
    "coaching:plan",
    "coaching:plan_history",
    "coaching:plan_print",
    "coaching:record_request",
    "coaching:record_requests",
    "coaching:supervision",
    "sessions_log:agenda",
    "sessions_log:notes_to_finish",
    "sessions_log:review_queue",
    "sessions_log:reminder_problems",
    "sessions_log:session_detail",
    "sessions_log:session_ics",
}
NO_CLIENT = {
    "home": "a redirect to the person's home page",
    "accounts:manage": "teams and staff invitations",
    "accounts:team": "the team's staff",
    "coaching:billing": "claim batches by programme and period, no client",
    "coaching:billing_identities": "the organisation's and coaches' billing numbers",
    "coaching:claims": "the claim form (period, programme)",
    "coaching:provider_identity": "a coach's billing numbers",
    "coaching:remittances": "uploaded payment files by payer and date",
    "coaching:funder_report": "counts only, small ones suppressed",
    "coaching:report": "the report form; the CSV it makes is audited as report.included",
    "coaching:team_dashboard": "counts per coach",
    "coaching:plans_due": "only the plans due (audited plans_due.list); the world has none",
    "coaching:retention_review": "only clients past retention (audited); the world has none",
    "sessions_log:group_detail": "a group session with no member yet",
    "sessions_log:feed_settings": "the person's own feed link",
    "sessions_log:reminder_settings": "the person's own email choices",
    "accounts:login_sessions": "the person's own sessions: addresses and browsers",
}
# Forms whose chooser lists the coach's own current clients by name, nothing
# of their record (the caseload list, which shows them, is audited): not a
# read. They may name the client, never more (no email), and add no line.
CHOOSERS = {"sessions_log:contact_log", "sessions_log:session_new", "sessions_log:group_new"}

# Pages that show clients only when asked (the people list shows staff first;
# the reviews show a form until given a period, and the breach report an
# account: Casey, Robin's coach).
_TODAY = timezone.localdate()
_PERIOD = f"start={_TODAY - timedelta(days=1)}&end={_TODAY}"
QUERY = {
    "accounts:people": "?who=clients",
    "accounts:audit_export": f"?{_PERIOD}",
    "accounts:breach_report": f"?{_PERIOD}&account=casey@example.org",
}


def _staff_reads():
    return sorted(
        (name, role)
        for name, (method, allowed, _kind) in MATRIX.items()
        if method == "get"
        for role in sorted(allowed & STAFF)
    )


def test_every_staff_page_is_classified():
    names = {name for name, _role in _staff_reads()}
    classified = [SHOWS_CLIENT, set(NO_CLIENT), CHOOSERS]
    assert sum(map(len, classified)) == len(set().union(*classified))
    assert names == set().union(*classified), sorted(names ^ set().union(*classified))


def _lines(client, robin) -> list[str]:
    """The lines of Robin's "Who viewed my record", as Robin sees them."""
    sign_in(client, robin)
    page = client.get(reverse("accounts:record_views")).content.decode()
    body = page.partition("<tbody>")[2].partition("</tbody>")[0]
    return re.findall(r"<tr>.*?</tr>", body, re.S)


def _robin_shown_everywhere(world):
    """What the world lacks for some pages to show Robin: a session of
    theirs whose note is not written (notes to finish), an email about them
    that failed (failed emails), their payer details (their person page)."""
    robin, casey = world["personas"]["client"][0], world["personas"]["coach"][0]
    session = past_contact(casey, robin, timedelta(days=2))
    Reminder.objects.update_or_create(
        session=session,
        recipient=robin,
        kind=Reminder.Kind.CANCELLED,
        defaults={
            "status": Reminder.Status.FAILED,
            "due_at": timezone.now() - timedelta(hours=1),
            "deadline": timezone.now(),
            "next_attempt_at": timezone.now(),
            "last_error": "550 mailbox unavailable",
        },
    )
    PayerIdentity.objects.create(
        client=robin, member_id="M123", updated_by=world["personas"]["admin"][0]
    )
    assert SessionGroup.objects.filter(coach=casey).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), [r for r in _staff_reads() if r[0] in SHOWS_CLIENT])
def test_a_staff_read_is_one_line_of_who_viewed(client, world, name, role):
    _robin_shown_everywhere(world)
    robin = world["personas"]["client"][0]
    viewer = world["personas"][role][0]
    kind = MATRIX[name][2]
    args = [world["objects"]["north"][kind]] if kind else []
    before = _lines(client, robin)
    sign_in(client, viewer)
    response = client.get(reverse(name, args=args) + QUERY.get(name, ""))
    assert response.status_code == 200, (name, role)
    after = _lines(client, robin)
    assert len(after) == len(before) + 1, (name, role, after[: len(after) - len(before)])
    assert viewer.display_name in after[0], (name, role, after[0])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "role"), [r for r in _staff_reads() if r[0] in {*NO_CLIENT, *CHOOSERS}]
)
def test_a_page_showing_no_client_names_none_and_adds_no_line(client, world, name, role):
    robin = world["personas"]["client"][0]
    viewer = world["personas"][role][0]
    kind = MATRIX[name][2]
    args = [world["objects"]["north"][kind]] if kind else []
    before = _lines(client, robin)
    sign_in(client, viewer)
    page = client.get(reverse(name, args=args)).content.decode()
    assert name in CHOOSERS or robin.display_name not in page, (name, role)
    assert robin.email not in page, (name, role)
    assert len(_lines(client, robin)) == len(before), (name, role)
