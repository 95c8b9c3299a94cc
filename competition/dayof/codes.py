"""Encrypted numbers (加密号) for anonymisation. Pure: the random source is passed in.

A number is a round letter followed by random digits: ``A`` for round 1 (一次加密), ``B`` for
round 2 (二次加密), so a number says which round it belongs to and the two rounds never collide.
The digits are drawn without replacement from a range at least three times the skill's size (3
digits 100–999 up to 300 contestants, 4 digits 1000–9999 up to 3000, 5 digits beyond), so the
numbers are sparse: knowing some numbers says nothing about the others. Numbers never start with
0, so widths cannot be confused (``A123`` vs ``A0123``). The numbers come out in random order and
are handed to contestants in that order, so they are not derivable from registration order or
workstation.

Who a contestant is shown by before decryption (``shown_number``) is a rule of the pure core,
``scoring.board``; it is re-exported here for the callers that hold a number.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Collection

from scoring.board import shown_number as shown_number

ROUND_PREFIX = {1: "A", 2: "B"}
ROUNDS = tuple(ROUND_PREFIX)
_SPARSITY = 3


def digits_for(total: int) -> int:
    """Digits needed so a skill of ``total`` contestants uses at most a third of the range."""
    digits = 3
    while 9 * 10 ** (digits - 1) < _SPARSITY * total:
        digits += 1
    return digits


def generate(count: int, round_no: int, taken: Collection[str] = (), total: int | None = None, rng: random.Random | None = None) -> list[str]:
    """``count`` new numbers of a round, unique and distinct from ``taken``, in random order.

    ``total`` is the skill's size after this step (defaults to ``len(taken) + count``); it sets the
    width. ``rng`` defaults to ``secrets.SystemRandom()`` (the operating system's CSPRNG).
    """
    if round_no not in ROUND_PREFIX:
        raise ValueError(f"round must be one of {ROUNDS}")
    if count < 0:
        raise ValueError("count must not be negative")
    if count == 0:
        return []
    rng = rng or secrets.SystemRandom()
    prefix = ROUND_PREFIX[round_no]
    digits = digits_for(max(total or 0, len(taken) + count))
    low, high = 10 ** (digits - 1), 10**digits
    taken_set = set(taken)
    free = [n for n in range(low, high) if f"{prefix}{n}" not in taken_set]
    return [f"{prefix}{n}" for n in rng.sample(free, count)]


def normalise(text: str) -> str:
    """How a typed number is compared: trimmed, upper-case (``a123`` is ``A123``)."""
    return (text or "").strip().upper()
