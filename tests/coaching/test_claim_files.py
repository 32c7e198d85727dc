"""How a batch's lines become claims (coaching/services/claim_files.py):
one claim per client, coach and episode, at most 50 lines each (837P
005010X222A1, loop 2400 repeats up to 50 times), split beyond."""

from types import SimpleNamespace

from coaching.services.claim_files import MAX_LINES, claim_groups


def _line(client, coach=1, episode=1):
    return SimpleNamespace(
        client=SimpleNamespace(pk=client),
        coach=SimpleNamespace(pk=coach),
        episode=SimpleNamespace(pk=episode),
    )


def test_a_claim_holds_at_most_50_lines_and_one_client_coach_and_episode():
    lines = [_line(1) for _ in range(MAX_LINES + 1)]
    lines += [_line(1, coach=2), _line(1, episode=2), _line(2)]
    groups = claim_groups(lines)
    assert [len(group.lines) for group in groups] == [50, 1, 1, 1, 1]
    for group in groups:
        keys = {(ln.client.pk, ln.coach.pk, ln.episode.pk) for ln in group.lines}
        assert len(keys) == 1
    assert MAX_LINES == 50
