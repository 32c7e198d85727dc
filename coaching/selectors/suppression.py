"""Small-cell suppression for figures about people (the funder report).

CMS's cell-size policy: no count from 1 to threshold - 1 is shown, and none
can be worked out from what is shown (complementary suppression). A table is
a dict of named counts and a list of relations `(total, [cells])` meaning
total = sum(cells); a cell may be a count the page never prints (e.g.
"discharged but not followed up"): it is in the relation because anyone can
work it out as the total minus the printed cells.

`suppress` returns the names to hide so that, for every relation:
- with the total shown, the hidden cells are none, or two or more whose sum
  is itself 0 or at least the threshold (no one cell, nor a small group,
  comes out as the total minus the shown cells);
- with the total hidden, at least one cell is hidden too (else the total is
  their sum).
Zero is shown: it points at nobody."""

from collections.abc import Iterable

Relation = tuple[str, list[str]]


def small(count: int, threshold: int) -> bool:
    """Whether `count` is one CMS hides: 1 to threshold - 1."""
    return 0 < count < threshold


def _smallest_shown(values: dict[str, int], cells: list[str], hidden: set[str]) -> str | None:
    """The shown cell above zero with the smallest count (the next one to
    hide: it costs the least information), or None."""
    shown = [cell for cell in cells if cell not in hidden and values[cell] > 0]
    return min(shown, key=lambda cell: (values[cell], cell)) if shown else None


def _leaks(values: dict[str, int], total: str, cells: list[str], hidden: set[str], threshold: int):
    """Whether the relation lets a hidden count be worked out by subtraction."""
    hidden_cells = [cell for cell in cells if cell in hidden]
    if total in hidden:
        return not hidden_cells and values[total] > 0
    hidden_sum = sum(values[cell] for cell in hidden_cells)
    return len(hidden_cells) == 1 or small(hidden_sum, threshold)


def suppress(
    values: dict[str, int],
    relations: list[Relation],
    threshold: int,
    also: Iterable[str] = (),
) -> set[str]:
    """The names of `values` to hide: every small count, those in `also`
    (hidden for a reason outside this table, e.g. another report), and the
    complements that keep them from being worked out (see the module)."""
    hidden = {name for name, count in values.items() if small(count, threshold)}
    hidden |= {name for name in also if values[name] > 0}
    changed = True
    while changed:  # each pass only hides more, so it ends
        changed = False
        for total, cells in relations:
            if not _leaks(values, total, cells, hidden, threshold):
                continue
            # Hide the next smallest cell; with none left, the total.
            name = _smallest_shown(values, cells, hidden) or total
            if name not in hidden:
                hidden.add(name)
                changed = True
    return hidden


def derivable(values: dict[str, int], relations: list[Relation], hidden: set[str], threshold: int):
    """The relations through which a hidden count (or a small group of
    them) can be worked out from the shown ones: empty when `hidden` is
    safe. The property tests check `suppress` against it."""
    return [
        (total, cells)
        for total, cells in relations
        if _leaks(values, total, cells, hidden, threshold)
    ]
