"""The score and the flag rules, at their boundaries and on random histories."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coaching.scoring import rules_broken, score, unanswered_streak

answers = st.lists(st.integers(min_value=0, max_value=10), min_size=5, max_size=5)


def _rules(new, previous):
    return {rule for rule, _ in rules_broken(new, previous)}


def test_the_score_is_the_mean_times_ten():
    assert score([10, 10, 10, 10, 10]) == 100
    assert score([0, 0, 0, 0, 0]) == 0
    assert score([7, 8, 9, 6, 5]) == 70
    assert score([7, 7, 7, 7, 6]) == 68


@pytest.mark.parametrize(
    ("items", "flagged"),
    [([7, 7, 7, 7, 7], False), ([7, 7, 7, 7, 6], True), ([5, 5, 5, 5, 10], True)],
)
def test_a_score_below_70_is_flagged_and_70_is_not(items, flagged):
    assert ("low_score" in _rules(items, [])) is flagged


@pytest.mark.parametrize(("lowest", "flagged"), [(5, True), (6, False), (0, True)])
def test_an_answer_of_5_or_below_is_flagged(lowest, flagged):
    assert ("low_item" in _rules([10, 10, 10, 10, lowest], [])) is flagged


@pytest.mark.parametrize(
    ("previous", "new", "flagged"),
    [
        ([90, 90, 90], [8, 8, 8, 8, 8], True),  # 80: exactly 10 below
        ([90, 90, 88], [8, 8, 8, 8, 8], False),  # 9.3 below
        ([60, 90, 90, 90], [8, 8, 8, 8, 8], True),  # only the last three count
        ([90, 90], [6, 6, 6, 6, 6], False),  # no baseline yet
    ],
)
def test_a_drop_of_10_below_the_mean_of_the_previous_three_is_flagged(previous, new, flagged):
    assert ("drop" in _rules(new, previous)) is flagged


@pytest.mark.parametrize(
    ("answered", "flagged"),
    [
        ([False, False, False], True),
        ([True, False, False, False], True),
        ([False, False, False, True], False),
        ([False, False], False),
        ([False, True, False, False], False),
    ],
)
def test_three_unanswered_requests_in_a_row_are_flagged(answered, flagged):
    assert unanswered_streak(answered) is flagged


@settings(max_examples=300)
@given(history=st.lists(answers, min_size=1, max_size=12))
def test_flags_agree_with_the_rules_on_random_histories(history):
    """Each rule restated from the issue, checked on every check-in of a history."""
    scores = []
    for items in history:
        mean_x10 = sum(items) / len(items) * 10
        expected = set()
        if mean_x10 < 70:
            expected.add("low_score")
        if any(item <= 5 for item in items):
            expected.add("low_item")
        if len(scores) >= 3 and sum(scores[-3:]) / 3 - mean_x10 >= 10:
            expected.add("drop")
        assert _rules(items, scores) == expected
        assert score(items) == mean_x10
        scores.append(score(items))


@given(answered=st.lists(st.booleans(), max_size=20))
def test_the_unanswered_rule_agrees_on_random_histories(answered):
    assert unanswered_streak(answered) == (len(answered) >= 3 and answered[-3:] == [False] * 3)
