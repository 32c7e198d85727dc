"""The Billing page and a batch's page (issue 27 points 5, 8): the lines
ready to claim and those left out with why, a batch made from them (once),
its 837P file downloaded (the same bytes each time, valid under pyx12),
accepted, and the refusals (a message, status 400, nothing changed)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from coaching.forms.claims import default_range
from coaching.models import BillingOrganisation, ClaimBatch, ClaimInterchange, ClaimLine, LineState
from coaching.x12.validate import validate
from tests.conftest import make_user
from tests.helpers import (
    COACH_NPIS,
    billable_contact,
    billing_identities,
    count_queries,
    sign_in,
)


def _at(days_ago, hour=10):
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour))


def _ready(coach, supervisor, client_user, admin_user, *, days=(3,)):
    billing_identities(coach=coach, client=client_user, admin=admin_user)
    return [
        billable_contact(
            coach, client_user, started=_at(days_ago), minutes=45, supervisor=supervisor
        )
        for days_ago in days
    ]


def _range(days_ago=10):
    today = timezone.localdate()
    return {"start": (today - timedelta(days=days_ago)).isoformat(), "end": today.isoformat()}


def _make(client):
    return client.post(reverse("coaching:claim_batch_new"), _range())


@pytest.mark.django_db
def test_the_billing_page_walks_the_ladder(client, coach, admin_user):
    url = reverse("coaching:billing")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    sign_in(client, coach)
    assert client.get(url).status_code == 403
    assert client.post(reverse("coaching:claim_batch_new"), _range()).status_code == 403
    assert not ClaimBatch.objects.exists()
    client.logout()
    sign_in(client, admin_user)
    assert client.get(url).status_code == 200
    assert client.get(reverse("coaching:claim_batch", args=[999])).status_code == 404


@pytest.mark.django_db
def test_admins_reach_billing_from_the_header_in_one_click(client, coach, admin_user):
    """Issue 27 point 8: "Billing" in the admins' menu; not in a coach's."""
    sign_in(client, admin_user)
    home = client.get(reverse("coaching:team_dashboard")).content.decode()
    assert f'href="{reverse("coaching:billing")}"' in home
    client.logout()
    sign_in(client, coach)
    assert (
        f'href="{reverse("coaching:billing")}"'
        not in client.get(reverse("coaching:coach_home")).content.decode()
    )


@pytest.mark.django_db
def test_it_shows_ready_lines_for_last_month_through_today_and_the_left_out_with_why(
    client, coach, supervisor, client_user, admin_user
):
    """First load: the previous calendar month through today. A 45-minute
    contact bills 3 units (CMS Pub 100-04 ch.5 §20.2: 38-52 minutes = 3) at
    18.50; a client with no member id is left out, saying so."""
    _ready(coach, supervisor, client_user, admin_user)
    other = make_user("kai@example.org", Role.CLIENT, name="Kai Nakamura")
    CaseloadAssignment.objects.create(coach=coach, client=other)
    billing_identities(coach=coach, client=other, admin=admin_user, member_id="")
    billable_contact(coach, other, started=_at(2), minutes=30, supervisor=supervisor)
    sign_in(client, admin_user)

    response = client.get(reverse("coaching:billing"))

    start, end = default_range()
    assert start == (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    form = response.context["form"]
    assert (form.cleaned_data["start"], form.cleaned_data["end"]) == (start, end)
    page = response.content.decode()
    assert "Robin Park" in page and "55.50" in page
    assert "Make batch (1 line)" in page
    left_out = page[page.index("Left out, with what is missing") :]
    assert "Kai Nakamura" in left_out and "member id" in left_out.lower()


@pytest.mark.django_db
def test_a_range_ending_before_it_starts_is_refused(client, admin_user):
    sign_in(client, admin_user)
    today = timezone.localdate()
    response = client.get(
        reverse("coaching:billing"),
        {"start": today.isoformat(), "end": (today - timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 400
    assert "The end date must not be before the start date." in response.content.decode()
    response = client.post(
        reverse("coaching:claim_batch_new"), {"start": "soon", "end": today.isoformat()}
    )
    assert response.status_code == 400
    assert not ClaimInterchange.objects.exists()


@pytest.mark.django_db
def test_make_batch_goes_to_the_batch_and_a_second_try_makes_nothing(
    client, coach, supervisor, client_user, admin_user
):
    """Issue 27 point 5: a service line is in at most one live batch."""
    sessions = _ready(coach, supervisor, client_user, admin_user, days=(3, 4))
    sign_in(client, admin_user)

    response = _make(client)

    batch = ClaimBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:claim_batch", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert f"Batch {batch.pk} made" in page
    assert "Robin Park" in page and page.count("In batch") == 2
    assert set(ClaimLine.objects.values_list("session", flat=True)) == {s.pk for s in sessions}

    again = _make(client)
    assert again.status_code == 400
    assert f"batch {batch.pk}" in again.content.decode()
    assert ClaimBatch.objects.count() == 1 and ClaimInterchange.objects.count() == 1


@pytest.mark.django_db
def test_an_incomplete_organisation_identity_is_said_and_blocks_the_batch(
    client, coach, supervisor, client_user, admin_user
):
    _ready(coach, supervisor, client_user, admin_user)
    BillingOrganisation.objects.filter(pk=1).update(npi="1234567890")
    sign_in(client, admin_user)
    page = client.get(reverse("coaching:billing")).content.decode()
    assert "No batch can be made until the organisation" in page
    response = _make(client)
    assert response.status_code == 400
    assert not ClaimBatch.objects.exists()


@pytest.mark.django_db
def test_the_download_is_the_same_valid_837p_every_time(
    client, coach, supervisor, client_user, admin_user
):
    """837P 005010X222A1, checked by pyx12; the stored text, byte for byte."""
    _ready(coach, supervisor, client_user, admin_user)
    sign_in(client, admin_user)
    _make(client)
    batch = ClaimBatch.objects.get()
    url = reverse("coaching:claim_batch_download", args=[batch.pk])

    first, second = client.post(url), client.post(url)

    assert first.status_code == 200
    assert first["Content-Type"].startswith("text/plain")
    assert first["Content-Disposition"].startswith("attachment; filename=")
    assert first["Cache-Control"] == "no-store"
    assert first.content == second.content
    text = first.content.decode("ascii")
    assert validate(text) == []
    assert "SV1*HC:H0038*55.5*UN*3" in text
    assert client.get(url).status_code == 405  # a download is a POST, like the CSV


@pytest.mark.django_db
def test_mark_accepted_moves_the_lines_and_a_void_before_the_payer_answered_is_refused(
    client, coach, supervisor, client_user, admin_user
):
    _ready(coach, supervisor, client_user, admin_user)
    sign_in(client, admin_user)
    _make(client)
    batch = ClaimBatch.objects.get()
    claim = batch.claims.get()

    response = client.post(reverse("coaching:claim_batch_accept", args=[batch.pk]))
    assert response.status_code == 302
    assert list(ClaimLine.objects.values_list("state", flat=True)) == [LineState.ACCEPTED]
    batch.refresh_from_db()
    assert batch.accepted_at is not None

    response = client.post(reverse("coaching:claim_void", args=[claim.pk]), {"batch": batch.pk})
    assert response.status_code == 400
    assert "The payer has not answered this claim yet" in response.content.decode()
    assert ClaimBatch.objects.count() == 1


@pytest.mark.django_db
def test_the_pages_run_the_same_queries_whatever_the_number_of_clients(
    client, coach, supervisor, client_user, admin_user
):
    _ready(coach, supervisor, client_user, admin_user)
    sign_in(client, admin_user)
    _make(client)
    batch_url = reverse("coaching:claim_batch", args=[ClaimBatch.objects.get().pk])
    few_hub, _ = count_queries(client.get, reverse("coaching:billing"))
    few_batch, _ = count_queries(client.get, batch_url)

    for index in range(3):
        other = make_user(f"c{index}@example.org", Role.CLIENT, name=f"Client {index}")
        CaseloadAssignment.objects.create(coach=coach, client=other)
        billing_identities(coach=coach, client=other, admin=admin_user, coach_npi=COACH_NPIS[0])
        billable_contact(
            coach, other, started=_at(5, hour=8 + index), minutes=30, supervisor=supervisor
        )
    client.post(reverse("coaching:claim_batch_new"), _range())
    billable_contact(coach, client_user, started=_at(1), minutes=30, supervisor=supervisor)
    many_batch_url = reverse("coaching:claim_batch", args=[ClaimBatch.objects.first().pk])

    assert count_queries(client.get, reverse("coaching:billing"))[0] <= few_hub
    assert count_queries(client.get, many_batch_url)[0] <= few_batch
