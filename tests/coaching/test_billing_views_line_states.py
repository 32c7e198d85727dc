"""The funder report counts service lines by state (issue 27 point 5):
ready (billable, on no live claim line), in batch, accepted, paid, denied,
with the amounts charged and paid; small counts hidden, no amount beside
them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from coaching.models import ClaimLine, LineState
from coaching.selectors.funder_report import funder_report, funder_report_shown
from tests.coaching.remittance_helpers import sent_claim
from tests.coaching.test_billing_views import _billable, medicaid  # noqa: F401
from tests.conftest import make_user
from tests.helpers import sign_in


def _last_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def _lines_in(month, claim, *, paid: int, denied: int):
    lines = list(claim.lines.order_by("pk"))
    ClaimLine.objects.filter(claim=claim).update(service_date=month + timedelta(days=3))
    for line in lines[:paid]:
        line.state, line.paid_amount = LineState.PAID, Decimal("50.00")
    for line in lines[paid : paid + denied]:
        line.state, line.reason_codes = LineState.DENIED, ["CO-197"]
    ClaimLine.objects.bulk_update(lines, ["state", "paid_amount", "reason_codes"])


@pytest.mark.django_db
def test_it_counts_the_months_lines_by_state(
    settings,
    coach,
    supervisor,
    client_user,
    admin_user,
    medicaid,  # noqa: F811
):
    month = _last_month()
    started = timezone.make_aware(timezone.datetime(month.year, month.month, 2, 9))
    session = _billable(coach, supervisor, client_user, medicaid, started=started, minutes=30)
    claim = sent_claim(admin_user, coach, client_user, lines=7)
    _lines_in(month, claim, paid=5, denied=1)

    figures = funder_report(admin_user, month=month, programme=medicaid)

    assert figures["ready"] == 1
    counts = {
        state.state: (state.lines, state.charged, state.paid) for state in figures["line_states"]
    }
    assert counts == {
        "in_batch": (1, Decimal("60.00"), Decimal("0.00")),
        "accepted": (0, Decimal("0"), Decimal("0")),
        "paid": (5, Decimal("300.00"), Decimal("250.00")),
        "denied": (1, Decimal("60.00"), Decimal("0.00")),
    }
    settings.FUNDER_REPORT_MIN_CELL = 5
    shown = funder_report_shown(figures)
    assert shown["line_states"][2] == ("Paid", "5", Decimal("300.00"), Decimal("250.00"))
    assert shown["line_states"][3] == ("Denied", "*", "—", "—")
    assert shown["ready"] == "*"

    # On a live claim line, the session is no longer ready.
    line = claim.lines.filter(state=LineState.IN_BATCH).get()
    ClaimLine.objects.filter(pk=line.pk).update(session=session)
    assert funder_report(admin_user, month=month, programme=None)["ready"] == 0


@pytest.mark.django_db
def test_another_teams_supervisor_counts_none_of_these_lines(coach, client_user, admin_user):
    month = _last_month()
    _lines_in(month, sent_claim(admin_user, coach, client_user, lines=2), paid=2, denied=0)
    other = make_user("pat@example.org", Role.SUPERVISOR, name="Pat")
    paid = [s.lines for s in funder_report(other, month=month, programme=None)["line_states"]]
    assert paid == [0, 0, 0, 0]
    mine = [s.lines for s in funder_report(admin_user, month=month, programme=None)["line_states"]]
    assert mine == [0, 0, 2, 0]


@pytest.mark.django_db
def test_the_page_shows_the_states(client, coach, client_user, admin_user):
    month = _last_month()
    _lines_in(month, sent_claim(admin_user, coach, client_user, lines=11), paid=11, denied=0)
    sign_in(client, admin_user)
    page = client.get(reverse("coaching:funder_report"), {"month": month.strftime("%Y-%m")})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Ready (billable, on no claim yet)" in text
    assert '<th scope="row">Paid</th><td>11</td><td>$660.00</td><td>$550.00</td>' in text
