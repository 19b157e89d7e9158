"""The per-process copies behind the catalogue, the calendar and the active themes."""

import pytest

from civic import memo


@pytest.fixture
def now(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(memo, "_clock", lambda: clock[0])
    return clock


def loader(values: list):
    """A load that returns the next value and counts its calls."""
    calls = []

    def load():
        calls.append(1)
        return values[len(calls) - 1]

    return load, calls


def test_a_value_is_loaded_once_until_it_expires(now):
    kept = memo.Memo(60)
    load, calls = loader(["old", "new"])
    assert kept.get("k", load) == "old"
    now[0] += 59
    assert kept.get("k", load) == "old" and len(calls) == 1
    now[0] += 2
    assert kept.get("k", load) == "new" and len(calls) == 2


def test_nothing_found_is_remembered_only_when_asked(now):
    load, calls = loader([None, None, None])
    remembering, forgetting = memo.Memo(60), memo.Memo(60, keep_none=False)
    assert remembering.get("k", load) is None
    assert remembering.get("k", load) is None
    assert len(calls) == 1
    assert forgetting.get("k", load) is None
    assert forgetting.get("k", load) is None
    assert len(calls) == 3


def test_past_the_limit_the_older_half_is_dropped(now):
    kept = memo.Memo(60, max_entries=4)
    for key in range(4):
        now[0] += 1
        kept.get(key, lambda key=key: f"v{key}")
    kept.get(4, lambda: "v4")  # full: keys 0 and 1, the oldest, go
    load, calls = loader(["again", "again"])
    assert kept.get(2, load) == "v2" and kept.get(4, load) == "v4" and calls == []
    assert kept.get(0, load) == "again" and len(calls) == 1


def test_clear_all_forgets_every_memo(now):
    first, second = memo.Memo(60), memo.Memo(60)
    first.get("k", lambda: 1)
    second.get("k", lambda: 2)
    memo.clear_all()
    assert first.get("k", lambda: "reloaded") == "reloaded"
    assert second.get("k", lambda: "reloaded") == "reloaded"
