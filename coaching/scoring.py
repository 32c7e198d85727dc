"""The trust score and the flag rules, as plain functions of numbers.

Kept free of the database so the rules can be read in one place and tested
on any history (tests/coaching/test_scoring.py does so with hypothesis).
Thresholds come from settings: TRUST_FLAG_*.
"""

from collections.abc import Sequence
from statistics import mean

from django.conf import settings


def score(answers: Sequence[int]) -> int:
    """The mean of the five answers x 10, from 0 to 100."""
    return round(mean(answers) * 10)


def rules_broken(answers: Sequence[int], previous_scores: Sequence[int]) -> list[tuple[str, str]]:
    """(rule, detail) for each flag rule a new check-in breaks.

    `previous_scores` are this relationship's earlier scores, oldest first.
    Alliance scores sit near the ceiling, so a drop from the client's own
    baseline (the mean of their previous three) says more than a fixed cut-off.
    """
    broken = []
    new = score(answers)
    if new < settings.TRUST_FLAG_SCORE_BELOW:
        broken.append(("low_score", f"Score {new}"))
    lowest = min(answers)
    if lowest <= settings.TRUST_FLAG_ITEM_AT_MOST:
        broken.append(("low_item", f"An answer of {lowest} out of 10"))
    window = settings.TRUST_FLAG_BASELINE_CHECKINS
    if len(previous_scores) >= window:
        baseline = mean(previous_scores[-window:])
        if baseline - new >= settings.TRUST_FLAG_DROP:
            broken.append(
                ("drop", f"Score {new}, {baseline - new:.0f} below their usual {baseline:.0f}")
            )
    return broken


def unanswered_streak(answered: Sequence[bool]) -> bool:
    """True when the last TRUST_FLAG_UNANSWERED closed requests, oldest first,
    were all left unanswered."""
    needed = settings.TRUST_FLAG_UNANSWERED
    return len(answered) >= needed and not any(answered[-needed:])
