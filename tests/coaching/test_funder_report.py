"""The funder report hides small counts and whatever would give one away
(issue 29 point 5): CMS's cell size policy (no count 1-10 shown, none
derivable from other cells, totals, rates or another report: complementary
suppression), the threshold a setting; and a supervisor's report counts
their team's work only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import CaseloadAssignment, Role
from coaching.models import OutreachAttempt, ReferralSource
from coaching.selectors.funder_report import (
    COUNTS,
    HIDDEN,
    PARTITIONED,
    cells,
    funder_report,
    funder_report_shown,
    hidden_cells,
    partition_hidden,
    programme_counts,
    relations,
)
from coaching.selectors.remittances import LineStateCount
from coaching.selectors.suppression import derivable, suppress
from coaching.services.episodes import episode_discharge, episode_open
from sessions_log.billing import units_for
from sessions_log.models import FundingProgramme
from sessions_log.services.sessions import contact_log
from tests.conftest import make_user
from tests.helpers import billable_contact, billing_identities, sign_in

REASONS = ["Goals met", "Moved away", "Lost contact", "Declined", "Transferred", "Other"]


def _last_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def _discharge(coach, month, reasons):
    """One client per reason given, admitted and discharged in `month`."""
    source = ReferralSource.objects.get_or_create(name="Self")[0]
    people = []
    for index, reason in enumerate(reasons):
        person = make_user(f"d{index}@example.org", Role.CLIENT, name=f"D {index}")
        CaseloadAssignment.objects.create(coach=coach, client=person)
        episode_open(actor=coach, client=person, intake_date=month, referral_source=source)
        episode_discharge(
            actor=coach, client=person, discharge_date=month, reason=reason, summary=""
        )
        people.append(person)
    return people


def _reach(people, month, coach):
    for person in people:
        attempt = OutreachAttempt.objects.create(
            client=person, coach=coach, channel="phone", outcome="reached"
        )
        moment = timezone.make_aware(
            timezone.datetime.combine(month + timedelta(days=2), timezone.datetime.min.time())
        ) + timedelta(hours=12)
        OutreachAttempt.objects.filter(pk=attempt.pk).update(at=moment)


def _page(client, month):
    response = client.get(reverse("coaching:funder_report"), {"month": month.strftime("%Y-%m")})
    assert response.status_code == 200
    return response.content.decode()


def _row(label, value):
    return f'<tr><th scope="row">{label}</th><td>{value}</td></tr>'


@pytest.mark.django_db
def test_it_hides_counts_from_1_to_10_by_default(client, coach, admin_user):
    """CMS cell size policy: counts 1-10 are not shown (default threshold 11)."""
    month = _last_month()
    _discharge(coach, month, ["moved"] * 10)
    sign_in(client, admin_user)
    page = _page(client, month)
    assert _row("Discharges", HIDDEN) in page
    assert _row("Discharges", "10") not in page
    assert _row("Discharged: Moved away", HIDDEN) in page


@pytest.mark.django_db
def test_the_threshold_is_a_setting(client, coach, admin_user, settings):
    month = _last_month()
    _discharge(coach, month, ["moved"] * 12)
    sign_in(client, admin_user)
    assert _row("Discharges", "12") in _page(client, month)
    settings.FUNDER_REPORT_MIN_CELL = 20
    page = _page(client, month)
    assert _row("Discharges", HIDDEN) in page
    assert "from 1 to 19" in page


@pytest.mark.django_db
def test_a_total_minus_the_other_reasons_does_not_give_a_hidden_one(client, coach, admin_user):
    """12 moved away and 2 met their goals: with 14 discharges shown, showing
    12 would give the 2 away; both reasons are hidden."""
    month = _last_month()
    _discharge(coach, month, ["moved"] * 12 + ["goals_met"] * 2)
    sign_in(client, admin_user)
    page = _page(client, month)
    assert _row("Discharges", "14") in page
    assert _row("Discharged: Moved away", HIDDEN) in page
    assert _row("Discharged: Goals met", HIDDEN) in page
    assert _row("Discharged: Lost contact", "0") in page


@pytest.mark.django_db
def test_no_rate_beside_a_hidden_count(client, coach, admin_user):
    """12 discharged, 3 followed up: "25%" beside 12 would give the 3 away."""
    month = _last_month()
    people = _discharge(coach, month, ["moved"] * 12)
    _reach(people[:3], month, coach)
    sign_in(client, admin_user)
    page = _page(client, month)
    assert _row("Discharges", "12") in page
    assert _row("Follow-up rate", "—") in page
    assert "25%" not in page
    # The attempts (3, all reached) are hidden too.
    assert _row("Contact attempts", HIDDEN) in page


@pytest.mark.django_db
def test_a_rate_shows_beside_counts_that_show(coach, admin_user, settings):
    settings.FUNDER_REPORT_MIN_CELL = 3
    month = _last_month()
    people = _discharge(coach, month, ["moved"] * 8)
    _reach(people[:4], month, coach)
    shown = funder_report_shown(funder_report(admin_user, month=month, programme=None))
    assert (shown["followed_up"], shown["discharged"], shown["follow_up_rate"]) == (
        "4",
        "8",
        "50%",
    )


def _figures(**counts):
    """A report's figures, every count 0 but those given."""
    figures = {name: counts.get(name, 0) for name in COUNTS}
    figures["by_reason"] = [(label, counts.get(label, 0)) for label in REASONS]
    figures["line_states"] = [
        LineStateCount(state=s, label=s, lines=counts.get(s, 0), charged=0, paid=0)
        for s in ("in_batch", "accepted", "paid", "denied")
    ]
    return figures


def test_one_programme_against_all_does_not_give_the_rest_away(settings):
    """20 people served in all, 17 in this programme: 17 beside 20 would
    show the 3 of the other programmes (CMS: no cell derivable from
    another report)."""
    settings.FUNDER_REPORT_MIN_CELL = 11
    everything = _figures(people_served=20, sessions=40)
    mine = _figures(people_served=17, sessions=28)
    shown = funder_report_shown(mine, everything)
    assert shown["people_served"] == HIDDEN
    assert shown["sessions"] == "28"


@pytest.mark.django_db
def test_a_supervisor_counts_only_their_teams_work(
    coach, supervisor, client_user, other_coach, admin_user
):
    """The client moved to another team's coach: that coach's session and
    call with them are not in this team's report (they are in the
    organisation's)."""
    month = _last_month()
    CaseloadAssignment.objects.filter(client=client_user).update(
        ended_at=timezone.make_aware(timezone.datetime(month.year, month.month, 1))
        - timedelta(days=40),
        started_at=timezone.make_aware(timezone.datetime(month.year, month.month, 1))
        - timedelta(days=80),
    )
    CaseloadAssignment.objects.create(
        coach=other_coach,
        client=client_user,
        started_at=timezone.make_aware(timezone.datetime(month.year, month.month, 1))
        - timedelta(days=39),
    )
    started = timezone.make_aware(timezone.datetime(month.year, month.month, 3, 9))
    contact_log(
        actor=other_coach,
        client=client_user,
        started_at=started,
        duration=timedelta(minutes=30),
        modality="in_person",
    )
    attempt = OutreachAttempt.objects.create(
        client=client_user, coach=other_coach, channel="phone", outcome="reached"
    )
    OutreachAttempt.objects.filter(pk=attempt.pk).update(at=started)
    source = ReferralSource.objects.get_or_create(name="Self")[0]
    episode_open(actor=other_coach, client=client_user, intake_date=month, referral_source=source)

    team = funder_report(supervisor, month=month, programme=None)
    assert (team["sessions"], team["attempts"], team["admitted"]) == (0, 0, 0)
    organisation = funder_report(admin_user, month=month, programme=None)
    assert (organisation["sessions"], organisation["attempts"], organisation["admitted"]) == (
        1,
        1,
        1,
    )


# ------------------------------------------------------- property tests

counts = st.integers(min_value=0, max_value=40)


@hypothesis_settings(max_examples=400, deadline=None)
@given(
    reasons=st.lists(counts, min_size=6, max_size=6),
    not_followed=counts,
    reached=counts,
    not_reached=counts,
    threshold=st.integers(min_value=2, max_value=15),
)
def test_no_hidden_count_comes_out_by_subtraction(
    reasons, not_followed, reached, not_reached, threshold
):
    discharged = sum(reasons)
    followed = max(0, discharged - not_followed)
    figures = _figures(
        discharged=discharged,
        followed_up=followed,
        attempts=reached + not_reached,
        reached=reached,
        **dict(zip(REASONS, reasons, strict=True)),
    )
    values = cells(figures)
    hidden = suppress(values, relations(figures), threshold)
    # Every small count is hidden; no relation gives a hidden one (or a
    # small group of them) away as a total minus the shown cells.
    assert all(name in hidden for name, n in values.items() if 0 < n < threshold)
    assert derivable(values, relations(figures), hidden, threshold) == []
    # And by brute subtraction: a total shown minus the shown cells is 0 or
    # at least the threshold, and never one hidden cell alone.
    for total, members in relations(figures):
        hidden_members = [m for m in members if m in hidden]
        if total not in hidden and hidden_members:
            rest = values[total] - sum(values[m] for m in members if m not in hidden)
            assert len(hidden_members) > 1 and not 0 < rest < threshold
        if total in hidden:
            assert hidden_members


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    mine=st.lists(counts, min_size=4, max_size=4),
    others=st.lists(counts, min_size=4, max_size=4),
)
def test_a_programme_beside_all_gives_no_small_rest_away(mine, others):
    """A programme's figure and the all-programmes one, both shown, leave
    the rest (their difference) 0 or at least 11."""
    names = ("people_served", "sessions", "admitted", "attempts")
    figures = _figures(**dict(zip(names, mine, strict=True)))
    everything = _figures(**{n: a + b for n, a, b in zip(names, mine, others, strict=True)})
    hidden = hidden_cells(figures, everything)
    hidden_in_all = hidden_cells(everything)
    for name, rest in zip(names, others, strict=True):
        if name not in hidden and name not in hidden_in_all:
            assert not 0 < rest < 11


# -------------------------------------- every programme's report side by side


def _sessions(coach, month, programme, count, *, day):
    """`count` completed contacts with a new client each under `programme`,
    an hour apart from 8 am on `day` of `month`."""
    started = timezone.make_aware(timezone.datetime(month.year, month.month, day, 8))
    for n in range(count):
        person = make_user(f"{programme.pk}-{n}@example.org", Role.CLIENT, name=f"P {n}")
        CaseloadAssignment.objects.create(coach=coach, client=person)
        contact_log(
            actor=coach,
            client=person,
            started_at=started + timedelta(hours=n),
            duration=timedelta(minutes=30),
            modality="in_person",
            funding_programme=programme,
        )


def _programme_page(client, month, programme):
    response = client.get(
        reverse("coaching:funder_report"),
        {"month": month.strftime("%Y-%m"), "programme": programme.pk if programme else ""},
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_three_programmes_and_the_total_do_not_give_the_third_away(client, coach, admin_user):
    """12 sessions under Medicaid, 11 under the grant, 2 under "None" (a
    programme not billed: it has no report of its own): Medicaid's page,
    the grant's and the all-programmes one must not give the 2 away
    (25 - 12 - 11), though each page alone would not (CMS cell size
    policy: no cell derivable from other reports)."""
    month = _last_month()
    medicaid, grant, none = (
        FundingProgramme.objects.get(name=name)
        for name in ("Medicaid", "State opioid response grant", "None")
    )
    _sessions(coach, month, medicaid, 12, day=4)
    _sessions(coach, month, grant, 11, day=5)
    _sessions(coach, month, none, 2, day=6)
    sign_in(client, admin_user)
    label = "Sessions completed"
    assert _row(label, "25") in _programme_page(client, month, None)
    assert _row(label, "12") in _programme_page(client, month, medicaid)
    # The grant's 11 is no small count, but shown it would give the 2 away.
    assert _row(label, HIDDEN) in _programme_page(client, month, grant)


@pytest.mark.django_db
def test_each_programme_counts_as_its_own_report_does(coach, supervisor, client_user, admin_user):
    """programme_counts (every programme at once) gives each programme the
    figures its own report gives: the side-by-side check is about what the
    pages print."""
    month = _last_month()
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    grant = FundingProgramme.objects.get(name="State opioid response grant")
    billing_identities(coach=coach, client=client_user, admin=admin_user)
    for day in (3, 4):
        billable_contact(
            coach,
            client_user,
            started=timezone.make_aware(timezone.datetime(month.year, month.month, day, 10)),
            minutes=50,
            supervisor=supervisor,
        )
    _sessions(coach, month, grant, 3, day=5)
    counts = programme_counts(admin_user, month=month)
    everything = funder_report(admin_user, month=month, programme=None)
    assert counts[str(medicaid.pk)]["units"] == 2 * units_for(50)
    for programme in (medicaid, grant):
        figures = cells(funder_report(admin_user, month=month, programme=programme))
        assert {n: figures[n] for n in PARTITIONED} == counts[str(programme.pk)]
    for name in PARTITIONED:
        assert sum(c[name] for c in counts.values()) == cells(everything)[name]


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    programmes=st.lists(counts, min_size=2, max_size=6),
    threshold=st.integers(min_value=2, max_value=15),
)
def test_no_programme_comes_out_of_the_others_and_the_total(programmes, threshold):
    """However the sessions split between programmes, a report's shown
    count never leaves a small count, or a lone hidden one, as the total
    minus the others shown."""
    by_programme = {str(n): {name: c for name in PARTITIONED} for n, c in enumerate(programmes)}
    joint = partition_hidden(by_programme, threshold)
    total = sum(programmes)
    assert all(str(n) in joint for n in range(len(programmes)))
    hidden = [c for n, c in enumerate(programmes) if "sessions" in joint[str(n)]]
    assert all(str(n) in joint and "sessions" in joint[str(n)]
               for n, c in enumerate(programmes) if 0 < c < threshold)  # fmt: skip
    if "sessions" in joint["all"]:
        assert hidden or total == 0
    elif hidden:
        rest = total - sum(c for n, c in enumerate(programmes) if "sessions" not in joint[str(n)])
        assert len(hidden) > 1 and not 0 < rest < threshold
