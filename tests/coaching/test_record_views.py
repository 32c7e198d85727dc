"""The client's own copy of their record (HIPAA 45 CFR 164.524(a)(1): the
right to a copy of the designated record set; (c)(2)(i): in the electronic
form asked for if readily producible): "My record", its printable page and
its JSON file. It holds what was written about them earlier, nothing about
anyone else, not their coach's private agenda, and every download shows in
their "Who viewed my record"."""

import io
import json
from datetime import date, timedelta

import pytest
import time_machine
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.models import Recipient
from coaching.selectors.record import client_record_for_viewing
from coaching.services.consents import consent_prepare, consent_sign
from coaching.services.plans import goal_add, step_add
from coaching.services.trust import checkin_submit
from sessions_log.models import ServiceCode
from sessions_log.services.groups import group_schedule
from sessions_log.services.notes import addendum_add
from sessions_log.services.sessions import session_schedule
from tests.conftest import make_user
from tests.helpers import area, count_queries, sign_in, signed_contact

GOOD = {"heard": 9, "safe": 9, "focus": 8, "trust": 9, "helping": 9}


def _checkin(client, *, days_ago, **fields):
    """A check-in made `days_ago` days ago (one a week at most)."""
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        return checkin_submit(client=client, answers=GOOD, **fields)


def _record_of(client, coach, canary, *, n=1, start=0):
    """`n` of each kind of record, each with `canary` in its words."""
    for i in range(n):
        _, note = signed_contact(
            coach, client, narrative=f"Note {canary} {i}", hours_ago=3 + i + 10 * start
        )
        addendum_add(actor=coach, note=note, text=f"Addendum {canary} {i}")
        goal = goal_add(actor=client, client=client, area=area(), words=f"Goal {canary} {i}")
        step_add(
            actor=coach, goal=goal, action=f"Step {canary} {i}", who="both", suggested_by="coach"
        )
        _checkin(client, days_ago=200 - 8 * (i + 5 * start), comment=f"Comment {canary} {i}")


@pytest.fixture
def second_client(coach):
    """Another client of the same coach, in a group session with client_user."""
    person = make_user("sky@example.org", Role.CLIENT, name="Sky Member")
    CaseloadAssignment.objects.create(coach=coach, client=person)
    return person


def _download(client, user):
    sign_in(client, user)
    response = client.get(reverse("coaching:my_record_json"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response


@pytest.mark.django_db
def test_the_download_holds_what_was_written_earlier_and_nothing_of_anyone_else(
    client, coach, client_user, second_client, other_coach, other_client
):
    _record_of(client_user, coach, "MINE-7f3a")
    _checkin(client_user, days_ago=1, talk_to_supervisor=True, message="Private words MINE-7f3a")
    session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(hours=1),
        modality="phone",
        agenda="Coach agenda SECRET-91",
    )
    group_schedule(
        actor=coach,
        clients=[client_user, second_client],
        starts_at=timezone.now() + timedelta(days=3),
        duration=timedelta(hours=1),
        modality="in_person",
        service_code=ServiceCode.objects.get(code="H0038", modifiers="HQ"),
    )
    consent = consent_prepare(
        actor=coach,
        client=client_user,
        legal_name=client_user.display_name,
        information_from=date(2020, 1, 1),
        recipient=Recipient.objects.get_or_create(name="Acme Health Plan", kind="organisation")[0],
        purpose="Purpose MINE-7f3a",
        information=["service_record"],
        ends_on_event="The end of my enrolment",
    )
    consent_sign(actor=client_user, consent=consent, typed_name="Robin Park", confirmed=True)
    _record_of(second_client, coach, "THEIRS-22b1", start=2)
    _record_of(other_client, other_coach, "OTHER-0c5d")

    body = _download(client, client_user).content.decode()
    record = json.loads(body)
    for canary in (
        "Note MINE-7f3a 0",
        "Addendum MINE-7f3a 0",
        "Goal MINE-7f3a 0",
        "Step MINE-7f3a 0",
        "Comment MINE-7f3a 0",
        "Private words MINE-7f3a",
        "Purpose MINE-7f3a",
    ):
        assert canary in body, canary
    for absent in ("THEIRS-22b1", "OTHER-0c5d", "Sky Member", "Riley Chen", "SECRET-91"):
        assert absent not in body, absent
    signed = [s["note"] for s in record["sessions"] if s["note"]]
    assert signed[0]["signed_by"] == coach.display_name and signed[0]["signed_at"]
    assert [s["group_session"] for s in record["sessions"]].count(True) == 1
    assert record["checkins"][0]["answers"][0]["answer"] == 9
    # The consent as signed, word for word (issue 28, point 4).
    consent.refresh_from_db()
    assert record["consents"][0]["signed_text"] == consent.signed_text
    assert record["consents"][0]["signed_text_sha256"] == consent.signed_text_sha256
    # Their own words to a supervisor, and nothing of how it was handled.
    assert record["requests_to_a_supervisor"] == [
        {"at": record["requests_to_a_supervisor"][0]["at"], "your_words": "Private words MINE-7f3a"}
    ]

    sign_in(client, client_user)
    page = client.get(reverse("coaching:my_record_print")).content.decode()
    assert "Note MINE-7f3a 0" in page and "Comment MINE-7f3a 0" in page
    assert "THEIRS-22b1" not in page and "SECRET-91" not in page and "Sky Member" not in page

    # The same record as a PDF (45 CFR 164.524(c)(2)), read back by pypdf.
    response = client.get(reverse("coaching:my_record_pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for canary in ("Note MINE-7f3a 0", "Goal MINE-7f3a 0", "Comment MINE-7f3a 0"):
        assert canary in text, canary
    for absent in ("THEIRS-22b1", "OTHER-0c5d", "SECRET-91", "Sky Member"):
        assert absent not in text, absent


@pytest.mark.django_db
def test_the_download_is_audited_and_shows_in_who_viewed_my_record(client, client_user):
    _download(client, client_user)
    sign_in(client, client_user)
    client.get(reverse("coaching:my_record_print"))
    events = AuditEvent.objects.filter(action="record.download", client=client_user)
    assert events.count() == 2 and {e.actor_id for e in events} == {client_user.pk}
    views = client.get(reverse("accounts:record_views")).content.decode()
    assert "You opened or downloaded your whole record" in views
    # The next download lists the one before.
    record = json.loads(_download(client, client_user).content)
    assert any("whole record" in row["what"] for row in record["who_viewed_your_record"])


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor", "admin_user", "other_client"])
def test_nobody_but_the_client_gets_their_record(client, request, who, client_user):
    sign_in(client, request.getfixturevalue(who))
    for name in ("coaching:my_record", "coaching:my_record_print", "coaching:my_record_json"):
        response = client.get(reverse(name))
        if who == "other_client":
            # Their own record, never Robin's.
            assert response.status_code == 200 and b"Robin Park" not in response.content
        else:
            assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="record.download", client=client_user).exists()


@pytest.mark.django_db
def test_the_selector_is_a_404_for_anyone_but_the_client(coach, client_user, other_client):
    for user in (coach, other_client):
        with pytest.raises(Http404):
            client_record_for_viewing(user, client_user.pk)


@pytest.mark.django_db
def test_the_record_costs_the_same_queries_whatever_its_size(client, coach, client_user):
    """Fixed query count: one query per kind of record, not per row."""
    sign_in(client, client_user)
    _record_of(client_user, coach, "small")
    names = ("coaching:my_record_print", "coaching:my_record_json", "coaching:my_record")
    client.get(reverse("coaching:my_record"))  # the sign-in's first request does more
    counts = [count_queries(client.get, reverse(name))[0] for name in names]
    _record_of(client_user, coach, "more", n=4, start=1)
    counts += [count_queries(client.get, reverse(name))[0] for name in names]
    assert counts[:3] == counts[3:], counts
    assert max(counts) <= 15, counts


@pytest.mark.django_db
def test_my_record_is_in_the_clients_menu(client, client_user):
    sign_in(client, client_user)
    page = client.get(reverse("coaching:client_home")).content.decode()
    assert reverse("coaching:my_record") in page
    mine = client.get(reverse("coaching:my_record")).content.decode()
    assert (
        reverse("coaching:my_record_print") in mine and reverse("coaching:my_record_json") in mine
    )
