"""The unit rule of sessions_log/units.py, held against CMS's published
table (Medicare Claims Processing Manual, CMS Pub. 100-04, ch. 5, §20.2):
a day's total timed minutes of a code decide its units; per session, each
one rounded on its own; the daily cap; zero units never billed."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions_log import units

# CMS Pub. 100-04 ch. 5 §20.2, "Units ... Minutes" (15-minute timed codes),
# written out as ranges, independently of the code under test:
# 1 unit: >= 8 minutes through 22 minutes; 2: 23-37; 3: 38-52; 4: 53-67;
# 5: 68-82; 6: 83-97; 7: 98-112; 8: 113-127; then on by 15.
CMS_TABLE = [(0, 7, 0)] + [(8 + 15 * (n - 1), 22 + 15 * (n - 1), n) for n in range(1, 400)]


def cms_table_units(minutes: int) -> int:
    for low, high, count in CMS_TABLE:
        if low <= minutes <= high:
            return count
    raise AssertionError(f"{minutes} minutes is past the table")


def test_the_table_as_written_starts_as_cms_publishes_it():
    """CMS Pub. 100-04 ch. 5 §20.2: 8-22 = 1, 23-37 = 2, 38-52 = 3, 53-67 = 4."""
    assert CMS_TABLE[:5] == [(0, 7, 0), (8, 22, 1), (23, 37, 2), (38, 52, 3), (53, 67, 4)]


def _day(minutes, rule, cap=16):
    return units.day_units(list(enumerate(minutes)), rule=rule, cap=cap)


def test_a_sixty_minute_booking_that_lasted_twenty_minutes_is_one_unit():
    """CMS Pub. 100-04 ch. 5 §20.2: 20 minutes fall in 8-22, one unit."""
    assert _day([20], units.CMS_DAY_TOTAL).billable == 1


@pytest.mark.parametrize(
    ("minutes", "cms", "per_session"),
    [([8, 8], 1, 2), ([7, 7], 1, 0), ([7], 0, 0), ([20, 20, 20], 4, 3)],
)
def test_the_day_total_against_each_session_on_its_own(minutes, cms, per_session):
    """CMS Pub. 100-04 ch. 5 §20.2: the day's total minutes decide: 8 + 8 = 16
    minutes is 1 unit (2 if each is rounded alone); 7 + 7 = 14 is 1 unit (0
    per session)."""
    assert _day(minutes, units.CMS_DAY_TOTAL).billable == cms
    assert _day(minutes, units.PER_SESSION).billable == per_session


def test_the_days_units_go_to_its_sessions_in_proportion_ties_to_the_earlier():
    """CMS Pub. 100-04 ch. 5 §20.2 counts the day; each line gets its share."""
    day = _day([8, 8], units.CMS_DAY_TOTAL)
    assert [line.units for line in day.lines] == [1, 0]
    assert [line.units for line in _day([10, 50], units.CMS_DAY_TOTAL).lines] == [1, 3]


def test_units_past_the_daily_cap_are_never_billable_and_shown_apart():
    """CMS Pub. 100-04 ch. 5 §20.2 units (60 + 30 = 90 minutes: 6), capped at 4."""
    day = _day([60, 30], units.CMS_DAY_TOTAL, cap=4)
    assert (day.units, day.billable, day.over_cap) == (6, 4, 2)
    assert [(line.units, line.over_cap) for line in day.lines] == [(4, 0), (0, 2)]


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown unit rule"):
        _day([30], "per_fortnight")


@settings(max_examples=300, deadline=None)
@given(
    minutes=st.lists(st.integers(min_value=1, max_value=480), min_size=1, max_size=12),
    cap=st.integers(min_value=1, max_value=40),
)
def test_any_day_follows_the_cms_table_and_the_cap(minutes, cap):
    """For any list of sessions on a day (1 to 480 minutes each), CMS Pub.
    100-04 ch. 5 §20.2: the CMS rule's units are the table applied to the
    day's total; per session, the table applied to each and summed. Either
    way the lines' units add up to the day's billable units, never more than
    the cap, and a line past the cap has its units apart; no line bills 0."""
    cms = units.day_units(list(enumerate(minutes)), rule=units.CMS_DAY_TOTAL, cap=cap)
    assert cms.units == cms_table_units(sum(minutes))
    per = units.day_units(list(enumerate(minutes)), rule=units.PER_SESSION, cap=cap)
    assert per.units == sum(cms_table_units(m) for m in minutes)
    for day in (cms, per):
        assert day.billable == min(day.units, cap)
        assert sum(line.units for line in day.lines) == day.billable <= cap
        assert sum(line.over_cap for line in day.lines) == day.over_cap == day.units - day.billable
        assert all(line.units >= 0 and line.over_cap >= 0 for line in day.lines)
        billed = [line for line in day.lines if line.billed]
        assert all(line.units > 0 for line in billed)
        assert sum(line.units for line in billed) == day.billable
    # Deterministic: the same day gives the same allocation.
    again = units.day_units(list(enumerate(minutes)), rule=units.CMS_DAY_TOTAL, cap=cap)
    assert again == cms
