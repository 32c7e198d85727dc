"""views/reviews.py: exporting the audit trail for a period and the breach
report (issue 29, point 6). HIPAA 45 CFR 164.312(b) (audit controls:
record and examine activity) and 164.308(a)(1)(ii)(D) (information system
activity review); after a breach, 164.404(c) asks whose information was
involved: the report lists the clients an account could see and what it
read."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, CaseloadAssignment, Role
from tests.conftest import make_user
from tests.helpers import count_queries, sign_in

TODAY = timezone.localdate()
PERIOD = {"start": str(TODAY - timedelta(days=7)), "end": str(TODAY)}


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def _record_views(client, person) -> str:
    sign_in(client, person)
    return client.get(reverse("accounts:record_views")).content.decode()


@pytest.mark.django_db
def test_an_admin_exports_every_event_of_the_period_and_the_export_is_audited(
    client, admin_user, coach, client_user, other_client
):
    audit_record(actor=coach, action="client.view", obj=client_user)
    audit_record(actor=coach, action="client.view", obj=other_client)
    before = AuditEvent.objects.create(
        actor=coach, action="note.view", client=other_client, at=timezone.now() - timedelta(days=30)
    )
    sign_in(client, admin_user)
    response = client.get(reverse("accounts:audit_export"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    rows = _rows(response)
    header, body = rows[0], rows[1:]
    assert header[:5] == ["at_utc", "actor_id", "actor", "actor_role", "action"]
    seen = {(r[1], r[4], r[7]) for r in body}
    assert (str(coach.pk), "client.view", str(client_user.pk)) in seen
    assert (str(coach.pk), "client.view", str(other_client.pk)) in seen
    assert not any(r[4] == "note.view" for r in body), "an event before the period"
    assert before.at.date() < TODAY - timedelta(days=7)
    export = AuditEvent.objects.get(actor=admin_user, action="audit_trail.export")
    assert export.object_id == f"{PERIOD['start']}..{PERIOD['end']}"
    assert "audit_trail.export_client" in _record_views(client, client_user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, "must not be before"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "at most a year"),
        ({"start": "yesterday", "end": "2026-01-01"}, "Enter a valid date"),
    ],
)
def test_a_bad_period_is_refused_with_a_message_and_nothing_is_exported(
    client, admin_user, query, message
):
    sign_in(client, admin_user)
    response = client.get(reverse("accounts:audit_export"), query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit_trail.export").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["accounts:audit_export", "accounts:breach_report"])
def test_only_admins_run_reviews(client, supervisor, coach, url):
    for person in (supervisor, coach):
        sign_in(client, person)
        assert client.get(reverse(url), PERIOD | {"account": coach.email}).status_code == 403


@pytest.mark.django_db
def test_an_export_linked_from_another_site_asks_first(client, admin_user):
    sign_in(client, admin_user)
    response = client.get(
        reverse("accounts:audit_export"), PERIOD, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert "Open this record?" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit_trail.export").exists()


def _former_client(coach, name, *, days_ago_started, days_ago_ended):
    person = make_user(f"{name.lower()}@example.org", Role.CLIENT, name=name)
    now = timezone.now()
    CaseloadAssignment.objects.create(
        coach=coach,
        client=person,
        started_at=now - timedelta(days=days_ago_started),
        ended_at=now - timedelta(days=days_ago_ended),
    )
    return person


@pytest.mark.django_db
def test_a_breach_report_names_the_clients_the_account_could_see_then_and_what_it_read(
    client, admin_user, coach, client_user, other_client
):
    """A client of the coach's that ended inside the window is named; one
    that ended before it is not; another team's client is not, unless the
    coach read their record, which the report flags."""
    in_window = _former_client(coach, "Dana", days_ago_started=60, days_ago_ended=3)
    before = _former_client(coach, "Eli", days_ago_started=90, days_ago_ended=30)
    for _ in range(3):
        audit_record(actor=coach, action="client.view", obj=client_user)
    audit_record(actor=coach, action="note.view", obj=other_client)
    audit_record(actor=coach, action="auth.login")
    sign_in(client, admin_user)
    response = client.get(reverse("accounts:breach_report"), PERIOD | {"account": coach.email})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Robin Park" in page and "client.view: 3" in page
    assert in_window.display_name in page
    assert before.display_name not in page
    assert "Riley Chen" in page and "No: read without access" in page
    assert "auth.login: 1" in page
    rows = _rows(
        client.get(
            reverse("accounts:breach_report"), PERIOD | {"account": coach.email, "download": "csv"}
        )
    )
    assert [r for r in rows if r[1] == "Robin Park"][0][3:6:2] == ["client.view", "3"]
    assert AuditEvent.objects.filter(actor=admin_user, action="breach_report.run").count() == 2
    assert "breach_report.view" in _record_views(client, client_user)


@pytest.mark.django_db
def test_a_supervisors_breach_report_covers_the_teams_clients(
    client, admin_user, supervisor, client_user, other_client
):
    sign_in(client, admin_user)
    page = client.get(
        reverse("accounts:breach_report"), PERIOD | {"account": supervisor.email}
    ).content.decode()
    assert "Robin Park" in page
    assert "Riley Chen" not in page


@pytest.mark.django_db
def test_an_unknown_account_is_a_message_not_an_error(client, admin_user):
    sign_in(client, admin_user)
    response = client.get(
        reverse("accounts:breach_report"), PERIOD | {"account": "nobody@example.org"}
    )
    assert response.status_code == 400
    assert "No account has this email address." in response.content.decode()
    assert not AuditEvent.objects.filter(action="breach_report.run").exists()


@pytest.mark.django_db
def test_the_breach_report_costs_the_same_queries_whatever_the_caseload(
    client, admin_user, coach, client_user
):
    def run():
        return client.get(reverse("accounts:breach_report"), PERIOD | {"account": coach.email})

    sign_in(client, admin_user)
    run()  # the first request after signing in loads the session's state
    few, _ = count_queries(run)
    for n in range(10):
        person = make_user(f"c{n}@example.org", Role.CLIENT)
        CaseloadAssignment.objects.create(coach=coach, client=person)
        audit_record(actor=coach, action="client.view", obj=person)
    many, response = count_queries(run)
    assert response.status_code == 200
    assert many == few
