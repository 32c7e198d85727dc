"""The team dashboard's table rows as ready HTML: each row is made here once,
in Python, and the template prints it (`{{ row.cells }}`), instead of
resolving ~40 variables, ~15 `{% if %}` and a `pluralize` per row. For an
admin's 200 coaches the template's rows were about two thirds of the page's
web time (149 µs a row; docs/scaling.md).

Escaping stays: every text that comes from people (a coach's name, a
team's name) and every URL goes through `escape` once per row (the standard
library's, which Django's own `escape` wraps: the same characters, without
its lazy-string check); numbers are made integers. The markup is the one the template had, cell for
cell, so the page, its links and its labels read the same."""

from functools import lru_cache
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from coaching.selectors.caseloads import CaseloadPermissions

# The counts each row prints (open_requests is None for a viewer who does
# not see private requests: never printed then).
_COUNTS = (
    "active_clients", "completed_30", "no_shows_30", "quiet_clients", "quiet_attempts",
    "notes_overdue", "notes_waiting", "open_flags", "resolved_flags_30", "open_requests",
    "plans_review_due", "plans_not_agreed",
)  # fmt: skip
_DASH = '<span class="muted">—</span>'
_ARROWS = {
    "up": ' <span aria-label="rising">↑</span>',
    "down": ' <span aria-label="falling">↓</span>',
    "steady": ' <span aria-label="steady">→</span>',
    "": "",
}


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def _cell(link: bool, href: str, label: str, count: int, after: str = "") -> str:
    """A count's cell: a link labelled "<count> <label>" when the viewer may
    follow it, else the count alone."""
    if not link:
        return f"<td>{count}{after}</td>"
    return f'<td><a href="{href}" aria-label="{count} {label}">{count}</a>{after}</td>'


def dashboard_cells(rows: list[dict], permissions: CaseloadPermissions) -> None:
    """Sets each row's `cells`: the HTML of its header cell and data cells,
    in the order of the view's COLUMNS (the private requests only for a
    viewer who sees them)."""
    links, sees = permissions.can_open_records, permissions.can_see_private_requests
    every_team = permissions.can_see_every_team
    queue = escape(reverse("sessions_log:review_queue"))
    supervision = escape(reverse("coaching:supervision"))
    plans = escape(reverse("coaching:plans_due"))
    for row in rows:
        # Integers only past this line: nothing in them to escape.
        n = {key: int(row[key] or 0) for key in _COUNTS}
        name, url, pk = escape(row["name"]), escape(row["url"]), int(row["coach_id"])
        team = f' <span class="muted">({escape(row["team"])})</span>' if row["team"] else ""
        attempts = n["quiet_attempts"]
        flags_url, plans_url = f"{supervision}?coach={pk}", f"{plans}?coach={pk}"
        cells = [
            f'<th scope="row"><a href="{url}">{name}</a>{team if every_team else ""}</th>',
            _cell(True, f"{url}#caseload", f"active clients of {name}", n["active_clients"]),
            _cell(True, f"{url}#caseload", f"completed sessions in 30 days, {name}",
                  n["completed_30"]),
            _cell(True, f"{url}#caseload", f"no-shows in 30 days, {name}", n["no_shows_30"]),
            _cell(True, f"{url}#caseload",
                  f"clients without a successful contact for 14 days or more, {attempts}"
                  f" attempt{_plural(attempts)} to reach them, {name}",
                  n["quiet_clients"],
                  f' <span class="muted">({attempts} attempt{_plural(attempts)})</span>'
                  if attempts else ""),
            _cell(True, f"{url}#overdue", f"overdue notes, {name}", n["notes_overdue"]),
            _cell(links, queue, f"notes waiting for co-sign, {name}", n["notes_waiting"]),
            f"<td>{int(row['trust_mean'])}{_ARROWS[row['trust_direction']]}</td>"
            if row["trust_mean"] is not None else f"<td>{_DASH}</td>",
            _cell(links, flags_url, f"open flags, {name}", n["open_flags"]),
            _cell(links, f"{flags_url}#resolved-heading", f"flags resolved in 30 days, {name}",
                  n["resolved_flags_30"]),
        ]  # fmt: skip
        if sees:
            cells.append(
                _cell(True, f"{flags_url}#requests", f"private requests, {name}",
                      n["open_requests"])
            )  # fmt: skip
        cells += [
            _cell(sees, plans_url, f"plans due for review, {name}", n["plans_review_due"]),
            _cell(sees, plans_url, f"clients without an agreed plan, {name}",
                  n["plans_not_agreed"]),
            f'<td>{int(row["suggestions_tried"])}% <span class="muted">'
            f'({int(row["suggestions"]["tried"])} of {int(row["suggestions"]["suggested"])})'
            "</span></td>"
            if row["suggestions_tried"] is not None else f"<td>{_DASH}</td>",
        ]  # fmt: skip
        row["cells"] = _safe("".join(cells))


def dashboard_header(
    columns: list[tuple[str, str]], sort: str, sees_requests: bool, team_query: str
) -> SafeString:
    """The table's heading cells, made here as the rows are (the template's
    loop ran ~70 `{% if %}` a page): each column's sort link (descending
    when it is the ascending sort; keeping the team, `team_query`, already
    URL-encoded) and which way the table is sorted by it. The private
    requests' column only for a viewer who sees them."""
    keep = f"&amp;{escape(team_query)}" if team_query else ""
    cells = []
    for key, heading in columns:
        if key == "open_requests" and not sees_requests:
            continue
        order = {key: ' aria-sort="ascending"', f"-{key}": ' aria-sort="descending"'}.get(sort, "")
        flip = "-" if sort == key else ""
        cells.append(
            f'<th scope="col"{order}><a href="?sort={flip}{escape(key)}{keep}">'
            f"{escape(heading)}</a></th>"
        )
    return _safe("".join(cells))


def _safe(html: str) -> SafeString:
    # Every value in it was escaped above or is an integer.
    return mark_safe(html)  # noqa: S308


@lru_cache(maxsize=256)
def team_options(teams: tuple[tuple[int, str], ...], chosen: int | None) -> SafeString:
    """The team filter's <option>s: "Every team" first, then `teams` ((id,
    name), as dashboard_teams gives them), `chosen` selected. Made here:
    Django's Select widget renders a template per option, and with 200
    teams that was 7.6 of the admin page's 14.8 ms of CPU (57,000 of its
    75,000 Python calls). Kept per process by the teams and the choice
    (the key is the teams' ids and names themselves, so a renamed or new
    team makes a new entry): 200 options made once, not on every view."""
    options = [f'<option value=""{"" if chosen is not None else " selected"}>Every team</option>']
    for pk, name in teams:
        selected = " selected" if pk == chosen else ""
        options.append(f'<option value="{pk}"{selected}>{escape(name)}</option>')
    return _safe("".join(options))
