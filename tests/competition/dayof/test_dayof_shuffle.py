"""The draw's pure shuffle and the encrypted-number generator (no server)."""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from collections import Counter

import pytest

from competition.dayof import codes, shuffle


def test_same_seed_same_result_and_different_seed_different():
    ids = list(range(101, 131))
    seed = bytes(range(32))
    first = shuffle.draw(ids, seed)
    assert first == shuffle.draw(ids, seed)
    assert sorted(first) == ids and sorted(first.values()) == list(range(1, 31))

    def order(result):
        return tuple(result[c] for c in ids)

    others = {order(shuffle.draw(ids, secrets.token_bytes(32))) for _ in range(20)}
    assert order(first) not in others and len(others) == 20


def test_known_answer_is_frozen():
    """Pinned output: a change here means old draws would no longer replay (make a new version)."""
    seed = hashlib.sha256(b"GD2026").digest()
    assert shuffle.draw([1, 2, 3, 4, 5, 6, 7, 8], seed) == _reference_draw([1, 2, 3, 4, 5, 6, 7, 8], seed)
    assert shuffle.ALGORITHM == "sha256-ctr-fisher-yates/1"


def _reference_draw(ids, seed):
    """An independent reading of the module docstring, written from the text alone."""
    stream = b""
    counter = 0
    pos = 0

    def word():
        nonlocal stream, counter, pos
        while len(stream) - pos < 4:
            stream += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
            counter += 1
        w = int.from_bytes(stream[pos : pos + 4], "big")
        pos += 4
        return w

    a = list(ids)
    for i in range(len(a) - 1, 0, -1):
        n = i + 1
        limit = 2**32 - (2**32 % n)
        while True:
            u = word()
            if u < limit:
                break
        j = u % n
        a[i], a[j] = a[j], a[i]
    return {cid: k + 1 for k, cid in enumerate(a)}


def test_reference_agrees_over_many_seeds():
    for _ in range(50):
        seed = secrets.token_bytes(32)
        ids = sorted(random.sample(range(1, 10_000), random.randint(0, 60)))
        assert shuffle.draw(ids, seed) == _reference_draw(ids, seed)


def test_input_must_be_sorted_and_distinct_and_algorithm_known():
    with pytest.raises(ValueError):
        shuffle.draw([3, 1, 2], b"x" * 32)
    with pytest.raises(ValueError):
        shuffle.draw([1, 1, 2], b"x" * 32)
    with pytest.raises(ValueError):
        shuffle.draw([1, 2], b"x" * 32, algorithm="md5-lol/0")
    assert shuffle.draw([], b"x" * 32) == {}
    assert shuffle.draw([7], b"x" * 32) == {7: 1}


def test_rejection_sampling_drops_the_biased_top_range():
    # n = 3: 2**32 % 3 == 1, so only u = 2**32 - 1 is rejected; the next word is used instead.
    assert shuffle.below(iter([2**32 - 1, 5]), 3) == 2
    assert shuffle.below(iter([2**32 - 2, 0]), 3) == (2**32 - 2) % 3
    # n = 2**31 + 1: almost half the range is rejected.
    n = 2**31 + 1
    limit = 2**32 - (2**32 % n)
    assert limit == n
    assert shuffle.below(iter([n, n + 7, 4]), n) == 4
    # Every residue has exactly limit // n accepted words: uniform by construction.
    for n in (1, 2, 3, 5, 7, 10, 12, 30, 1000, 2**20 + 3):
        limit = 2**32 - (2**32 % n)
        assert limit % n == 0 and limit > 2**32 - n


def test_bounded_integers_are_uniform():
    stream = shuffle.ByteStream(b"uniform" * 5)
    n, draws = 7, 70_000
    counts = Counter(shuffle.below(stream, n) for _ in range(draws))
    chi2 = sum((counts[k] - draws / n) ** 2 / (draws / n) for k in range(n))
    assert chi2 < 22.46  # chi-square, 6 degrees of freedom, p = 0.001


def test_every_position_is_equally_likely_over_many_seeds():
    """Over 6,000 seeds each of 6 contestants lands on each workstation ~1,000 times, and every
    one of the 720 permutations appears with roughly equal frequency."""
    ids = [10, 20, 30, 40, 50, 60]
    seeds = 6000
    cells = Counter()
    perms = Counter()
    for i in range(seeds):
        result = shuffle.draw(ids, hashlib.sha256(b"seed" + i.to_bytes(4, "big")).digest())
        for cid, ws in result.items():
            cells[(cid, ws)] += 1
        perms[tuple(result[c] for c in ids)] += 1
    expected = seeds / 6
    chi2 = sum((cells[(c, w)] - expected) ** 2 / expected for c in ids for w in range(1, 7))
    assert chi2 < 56.0  # 25 degrees of freedom, p ≈ 0.0004
    assert len(perms) > 700  # 720 possible; a biased shuffle misses many
    expected_p = seeds / 720
    chi2_p = sum((perms[p] - expected_p) ** 2 / expected_p for p in perms) + (720 - len(perms)) * expected_p
    assert chi2_p < 719 + 4 * math.sqrt(2 * 719)  # mean ± 4 standard deviations


def test_codes_unique_random_and_prefixed_by_round():
    first = codes.generate(250, 1)
    assert len(set(first)) == 250 and all(c.startswith("A") and len(c) == 4 for c in first)
    second = codes.generate(250, 2)
    assert all(c.startswith("B") for c in second) and not set(first) & set(second)
    more = codes.generate(100, 1, taken=first)
    assert not set(more) & set(first)
    assert codes.digits_for(300) == 3 and codes.digits_for(301) == 4 and codes.digits_for(3001) == 5
    wide = codes.generate(1000, 1)
    assert all(len(c) == 5 and c[1] != "0" for c in wide) and len(set(wide)) == 1000
    with pytest.raises(ValueError):
        codes.generate(1, 3)
    assert codes.generate(0, 1) == []
    assert codes.normalise(" a123 ") == "A123"


def test_codes_are_not_in_registration_order():
    """Handed out in the generator's order, numbers do not rise with registration order."""
    rising = 0
    for _ in range(200):
        batch = codes.generate(10, 1)
        rising += batch == sorted(batch)
    assert rising <= 1  # 1 in 10! by chance


def test_codes_use_the_random_source_given():
    a = codes.generate(20, 1, rng=random.Random(1))
    b = codes.generate(20, 1, rng=random.Random(1))
    assert a == b


def test_replay_check_detects_a_tampered_result_or_seed():
    from competition.dayof.draw import check

    ids = [3, 8, 15, 21, 40]
    seed = secrets.token_bytes(32)
    result = shuffle.draw(ids, seed)
    recorded = {"seq": 9, "seed": seed.hex(), "algorithm": shuffle.ALGORITHM, "input": ids, "result": {str(k): v for k, v in result.items()}}
    ok = check(seed.hex(), shuffle.ALGORITHM, result, recorded)
    assert ok["matches"] and ok["audit"]["matches"] and ok["verified"] and ok["differences"] == []

    # Two contestants' workstations swapped in the stored result.
    swapped = dict(result)
    swapped[3], swapped[8] = result[8], result[3]
    bad = check(seed.hex(), shuffle.ALGORITHM, swapped, recorded)
    assert not bad["matches"] and not bad["verified"] and {d["contestant_id"] for d in bad["differences"]} == {3, 8}
    assert bad["audit"]["result_matches"] is False

    # Another seed stored: the result no longer follows from it.
    other = secrets.token_bytes(32).hex()
    bad = check(other, shuffle.ALGORITHM, result, recorded)
    assert not bad["matches"] and bad["audit"]["seed_matches"] is False

    # Seed and result both replaced consistently: the replay matches, the audit record does not.
    seed2 = secrets.token_bytes(32)
    forged = shuffle.draw(ids, seed2)
    bad = check(seed2.hex(), shuffle.ALGORITHM, forged, recorded)
    assert bad["matches"] and not bad["audit"]["matches"] and not bad["verified"]

    # A contestant added to the stored result; an unknown algorithm; no audit entry.
    grown = dict(result) | {99: 6}
    assert not check(seed.hex(), shuffle.ALGORITHM, grown, recorded)["audit"]["input_matches"]
    assert check(seed.hex(), "md5/0", result, recorded)["problems"]
    assert check(seed.hex(), shuffle.ALGORITHM, result, None)["verified"] is False
