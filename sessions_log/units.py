"""How a client's day of one service code becomes billable units: pure
functions, no database.

Timed 15-minute codes (Medicare Claims Processing Manual, CMS Pub. 100-04,
ch. 5, §20.2): under 8 minutes no unit; 8-22 minutes = 1 unit, 23-37 = 2,
38-52 = 3, 53-67 = 4, and so on. With several services of the code on one
day, the **day's total timed minutes** decide the units (rule
`cms_day_total`, the default). A programme may instead round each session on
its own (`per_session`). The unit size and threshold come from the settings
(BILLING_UNIT_MINUTES, BILLING_UNIT_THRESHOLD_MINUTES: 15 and 8).

The programme's daily cap applies to the day's units: units past it are
never billable and are reported apart (`over_cap`). A line with no billable
unit is never billed. The day's units are allocated back to its sessions
deterministically (in proportion to their minutes, largest remainder first,
ties to the earlier session), so each claim line carries its own units.
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

CMS_DAY_TOTAL = "cms_day_total"
PER_SESSION = "per_session"


def units_for(minutes: int, *, size: int = 15, threshold: int = 8) -> int:
    """Units for `minutes` of one timed code: whole units, plus one for a
    remainder of at least `threshold` minutes. 7 -> 0, 8 -> 1, 22 -> 1,
    23 -> 2, 60 -> 4."""
    if minutes <= 0:
        return 0
    whole, rest = divmod(minutes, size)
    return whole + (1 if rest >= threshold else 0)


@dataclass(frozen=True)
class LineUnits:
    """One session's share of its day: `units` billable, `over_cap` units
    past the daily cap (never billable)."""

    key: Hashable
    minutes: int
    units: int
    over_cap: int

    @property
    def billed(self) -> bool:
        return self.units > 0


@dataclass(frozen=True)
class DayUnits:
    minutes: int
    # The units the rule gives before the cap, those billable, and past the cap.
    units: int
    billable: int
    over_cap: int
    lines: tuple[LineUnits, ...]


def _proportional(total_units: int, minutes: Sequence[int]) -> list[int]:
    """`total_units` shared in proportion to `minutes` (largest remainder;
    ties to the earlier line)."""
    total = sum(minutes)
    if total_units == 0 or total == 0:
        return [0] * len(minutes)
    shares = [divmod(total_units * m, total) for m in minutes]
    units = [whole for whole, _ in shares]
    left = total_units - sum(units)
    order = sorted(range(len(minutes)), key=lambda i: (-shares[i][1], i))
    for i in order[:left]:
        units[i] += 1
    return units


def day_units(
    lines: Sequence[tuple[Hashable, int]],
    *,
    rule: str = CMS_DAY_TOTAL,
    cap: int = 16,
    size: int = 15,
    threshold: int = 8,
) -> DayUnits:
    """The units of one client's day of one code: `lines` are (key, minutes)
    in the order the sessions happened. Each line gets its units; the cap is
    filled in that order, the rest of a line's units are over the cap."""
    minutes = [max(0, m) for _, m in lines]
    if rule == PER_SESSION:
        rule_units = [units_for(m, size=size, threshold=threshold) for m in minutes]
    elif rule == CMS_DAY_TOTAL:
        rule_units = _proportional(units_for(sum(minutes), size=size, threshold=threshold), minutes)
    else:
        raise ValueError(f"unknown unit rule {rule!r}")
    room = max(0, cap)
    shares = []
    for (key, _), m, units in zip(lines, minutes, rule_units, strict=True):
        billable = min(units, room)
        room -= billable
        shares.append(LineUnits(key=key, minutes=m, units=billable, over_cap=units - billable))
    total = sum(rule_units)
    billable = sum(line.units for line in shares)
    return DayUnits(
        minutes=sum(minutes),
        units=total,
        billable=billable,
        over_cap=total - billable,
        lines=tuple(shares),
    )
