"""The per-process bounded cache behind the verification page and other hot paths."""

import threading

import pytest

from core.memo import BoundedCache


def test_a_hit_does_not_load_again_and_counts():
    cache, loads = BoundedCache(4), []
    for _ in range(3):
        assert cache.get("a", lambda: loads.append("a") or "A") == "A"
    assert loads == ["a"] and (cache.hits, cache.misses) == (2, 1)


def test_the_least_recently_used_entry_goes_first():
    cache = BoundedCache(2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)  # a is now the most recent
    cache.get("c", lambda: 3)  # evicts b
    assert cache.peek("a") == 1 and cache.peek("b") is None and cache.peek("c") == 3 and len(cache) == 2


def test_a_failing_load_stores_nothing():
    cache = BoundedCache(2)
    with pytest.raises(ZeroDivisionError):
        cache.get("x", lambda: 1 / 0)
    assert cache.peek("x") is None and cache.get("x", lambda: 5) == 5


def test_threads_never_see_more_than_the_bound_or_a_wrong_value():
    cache, errors = BoundedCache(50), []

    def worker(offset: int) -> None:
        for i in range(2_000):
            key = (i * 7 + offset) % 120
            if cache.get(key, lambda key=key: key * 2) != key * 2:
                errors.append(key)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(cache) <= 50


def test_size_must_be_positive():
    with pytest.raises(ValueError):
        BoundedCache(0)
