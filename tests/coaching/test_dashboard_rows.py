"""The team dashboard's rows made in Python (coaching/views/dashboard_rows.py)
print what the template's row printed before, cell for cell: the old row
markup is kept beside this test (dashboard_row_reference.html) and rendered
by Django's template engine as the reference, over rows of every kind and
every viewer's permissions."""

import itertools
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse

from coaching.selectors.caseloads import CaseloadPermissions
from coaching.views.caseloads import COLUMNS
from coaching.views.dashboard_rows import dashboard_cells, dashboard_header

REFERENCE = Template((Path(__file__).parent / "dashboard_row_reference.html").read_text())
NAMES = ["Al Coach", '<b>Cy</b> & "Bea"', "O'Neil <script>x</script>"]


def _rows() -> list[dict]:
    """Counts of 0, 1 and more (the plurals), trust none or in each
    direction, suggestions none or some, a team or none, names to escape."""
    rows = []
    for n, (count, direction, tried, team) in enumerate(
        itertools.product([0, 1, 12], ["up", "down", "steady", ""], [None, 0, 67], [None, "T<1>"])
    ):
        rows.append(
            {
                "coach_id": 100 + n,
                "name": NAMES[n % 3],
                "team": team,
                "url": f"/caseloads/coach/{100 + n}/",
                "active_clients": count + 3,
                "completed_30": count,
                "no_shows_30": count * 2,
                "quiet_clients": count,
                "quiet_attempts": (count + n) % 3,
                "notes_overdue": count,
                "notes_waiting": n % 2,
                "trust_mean": None if direction == "" and n % 2 else 40 + count,
                "trust_direction": direction if n % 2 == 0 or direction else "",
                "open_flags": count,
                "resolved_flags_30": n % 4,
                "open_requests": count,
                "plans_review_due": n % 3,
                "plans_not_agreed": count,
                "suggestions_tried": tried,
                "suggestions": {"suggested": 3 if tried is not None else 0, "tried": 2},
            }
        )
    return rows


@pytest.mark.parametrize("links", [True, False])
@pytest.mark.parametrize("sees", [True, False])
@pytest.mark.parametrize("every_team", [True, False])
def test_each_row_prints_what_the_template_printed_cell_for_cell(links, sees, every_team):
    permissions = CaseloadPermissions(
        can_reassign=links,
        can_open_records=links,
        can_see_private_requests=sees,
        can_see_every_team=every_team,
        can_make_claims=False,
    )
    rows = _rows()
    dashboard_cells(rows, permissions)
    context = {
        "permissions": permissions,
        "sees_requests": sees,
        "queue_url": reverse("sessions_log:review_queue"),
        "supervision_url": reverse("coaching:supervision"),
        "plans_url": reverse("coaching:plans_due"),
    }
    for row in rows:
        # The old template put each cell on a line of its own.
        expected = re.sub(r"\n\s*", "", REFERENCE.render(Context({**context, "row": row})))
        assert str(row["cells"]) == expected, row
    assert "&lt;script&gt;" in rows[2]["cells"] and "<script>" not in rows[2]["cells"]


# The heading loop the dashboard's template had, kept as the reference.
HEADER_REFERENCE = Template(
    '{% for key, heading in columns %}{% if key != "open_requests" or sees_requests %}'
    '<th scope="col" {% if sort == key %}aria-sort="ascending"{% elif sort == "-"|add:key %}'
    'aria-sort="descending"{% endif %}><a href="?sort={% if sort == key %}-{% endif %}{{ key }}'
    '{% if team_query %}&amp;{{ team_query }}{% endif %}">{{ heading }}</a></th>'
    "{% endif %}{% endfor %}"
)


@pytest.mark.parametrize("sees", [True, False])
@pytest.mark.parametrize("team_query", ["", "team=7"])
@pytest.mark.parametrize("sort", ["coach", "-coach", "open_requests", "-trust_mean"])
def test_the_headings_print_what_the_template_printed(sees, team_query, sort):
    """Each column's sort link (the other way round for the column sorted
    by), which way the table is sorted, the team kept, the private requests'
    column only for a viewer who sees them, headings escaped."""
    columns = [*COLUMNS, ("x<y>", 'Odd "<heading>"')]
    made = str(dashboard_header(columns, sort, sees, team_query))
    expected = HEADER_REFERENCE.render(
        Context({"columns": columns, "sort": sort, "sees_requests": sees, "team_query": team_query})
    )
    # The template left a space where no aria-sort was printed.
    assert made == expected.replace('<th scope="col" >', '<th scope="col">')
    assert ("Private requests" in made) is sees
    assert "&lt;heading&gt;" in made and "<heading>" not in made
