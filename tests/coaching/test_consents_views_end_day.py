"""Issue 29, a low finding of point 5: "consent end dates are compared in
UTC". A consent holds through the end date it states (42 CFR 2.31(a)(7)),
counted in the client's own day: at 23:30 on that day in Chicago (05:30
UTC the next day) it is still in force on every page, export and signing
path; at 00:30 the next morning in Tokyo (15:30 UTC on the end date) it has
ended, although UTC still says the end date."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from coaching.selectors.consents import consents_covering
from tests.coaching.test_consents import CLAIM, payer, prepared, signed
from tests.coaching.test_plans_views_revisions import revision_on
from tests.conftest import make_user
from tests.helpers import sign_in

END = date(2027, 3, 3)
# 23:30 on 3 March in Chicago (UTC-6): 05:30 on 4 March in UTC.
CHICAGO_LAST_HALF_HOUR = datetime(2027, 3, 4, 5, 30, tzinfo=UTC)
# 00:30 on 4 March in Chicago.
CHICAGO_NEXT_DAY = datetime(2027, 3, 4, 6, 30, tzinfo=UTC)
# 00:30 on 4 March in Tokyo (UTC+9): 15:30 on 3 March in UTC.
TOKYO_NEXT_DAY = datetime(2027, 3, 3, 15, 30, tzinfo=UTC)


def _client_in(zone, coach, email):
    person = make_user(email, Role.CLIENT, name="Sam Ortiz")
    person.time_zone = zone
    person.save()
    coach.caseload_assignments.create(client=person)
    return person


def _pages(client, coach, person, consent) -> dict[str, str]:
    client.logout()
    sign_in(client, person)
    mine = client.get(reverse("coaching:my_consents")).content.decode()
    detail = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    client.logout()
    sign_in(client, coach)
    staff = client.get(reverse("coaching:client_consents", args=[person.pk])).content.decode()
    disclose = client.get(reverse("coaching:consent_disclosure", args=[consent.pk]))
    return {"mine": mine, "detail": detail, "staff": staff, "disclose": disclose.content.decode()}


@pytest.mark.django_db
def test_a_consent_ending_today_holds_at_23_30_in_the_clients_day_and_not_after(client, coach):
    person = _client_in("America/Chicago", coach, "sam@example.org")
    acme = payer()
    with time_machine.travel(datetime(2027, 1, 10, 18, 0, tzinfo=UTC), tick=False):
        consent = signed(coach, person, acme, ends_on=END)

    with time_machine.travel(CHICAGO_LAST_HALF_HOUR, tick=False):
        assert set(consents_covering(client_ids=[person.pk], recipient=acme, information=CLAIM))
        pages = _pages(client, coach, person, consent)
    assert all("Ended on its end date" not in page for page in pages.values()), pages.keys()
    assert "Revoke this consent" in pages["detail"]
    assert "is not in force" not in pages["disclose"]

    with time_machine.travel(CHICAGO_NEXT_DAY, tick=False):
        assert not consents_covering(client_ids=[person.pk], recipient=acme, information=CLAIM)
        pages = _pages(client, coach, person, consent)
    for name in ("mine", "detail", "staff"):
        assert "Ended on its end date" in pages[name], name


@pytest.mark.django_db
def test_a_consent_has_ended_after_midnight_in_the_clients_day_while_utc_still_says_the_end_date(
    client, coach
):
    person = _client_in("Asia/Tokyo", coach, "aki@example.org")
    acme = payer()
    with time_machine.travel(datetime(2027, 1, 10, 3, 0, tzinfo=UTC), tick=False):
        consent = signed(coach, person, acme, ends_on=END)

    with time_machine.travel(TOKYO_NEXT_DAY, tick=False):
        assert not consents_covering(client_ids=[person.pk], recipient=acme, information=CLAIM)
        pages = _pages(client, coach, person, consent)
    for name in ("mine", "detail", "staff"):
        assert "Ended on its end date" in pages[name], name


@pytest.mark.django_db
def test_a_draft_ending_today_can_be_signed_at_23_30_in_the_clients_day_not_after(client, coach):
    person = _client_in("America/Chicago", coach, "sam@example.org")
    with time_machine.travel(datetime(2027, 1, 10, 18, 0, tzinfo=UTC), tick=False):
        consent = prepared(coach, person, payer(), ends_on=END)
        late = prepared(coach, person, payer("Late Plan"), ends_on=END)
    url = reverse("coaching:my_consent", args=[consent.pk])

    with time_machine.travel(CHICAGO_LAST_HALF_HOUR, tick=False):
        sign_in(client, person)
        home = client.get(reverse("coaching:client_home")).content.decode()
        assert "A consent is waiting" in home
        page = client.get(url).content.decode()
        response = client.post(
            reverse("coaching:consent_sign", args=[consent.pk]),
            {"typed_name": "Sam Ortiz", "confirmed": "on", "revision": revision_on(page)},
        )
    assert response.status_code == 302

    with time_machine.travel(CHICAGO_NEXT_DAY, tick=False):
        client.logout()  # an hour on: a new sign-in, not the idle one
        sign_in(client, person)
        page = client.get(reverse("coaching:my_consent", args=[late.pk])).content.decode()
        assert "Not signed, past its end date" in page and "Sign this consent" not in page


@pytest.mark.django_db
def test_a_client_who_never_chose_a_time_zone_counts_in_the_organisations_day(
    client, coach, settings
):
    """The audit's reproduction: the organisation is in Chicago and the
    client never chose a zone. Their consent must not end at 6 pm Chicago
    time on its end date (midnight UTC): they live in the organisation's day."""
    settings.TIME_ZONE = "America/Chicago"
    person = make_user("kim@example.org", Role.CLIENT, name="Kim Ortiz")
    coach.caseload_assignments.create(client=person)
    assert person.time_zone == "America/Chicago"
    acme = payer()
    with time_machine.travel(datetime(2027, 1, 10, 18, 0, tzinfo=UTC), tick=False):
        signed(coach, person, acme, ends_on=END)
    with time_machine.travel(CHICAGO_LAST_HALF_HOUR, tick=False):
        assert set(consents_covering(client_ids=[person.pk], recipient=acme, information=CLAIM))
    with time_machine.travel(CHICAGO_NEXT_DAY, tick=False):
        assert not set(consents_covering(client_ids=[person.pk], recipient=acme, information=CLAIM))
