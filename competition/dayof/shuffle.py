"""The draw's shuffle (抽签算法): deterministic, seeded, replayable, unbiased. Pure, no I/O.

Algorithm ``sha256-ctr-fisher-yates/1`` (the name is stored with every draw; a changed algorithm
gets a new name, and replay dispatches on it, so old draws still replay):

1. **Byte stream.** ``SHA-256(seed || counter)`` for ``counter = 0, 1, 2 …`` written as 8 bytes
   big-endian; the 32-byte blocks are concatenated. ``seed`` is the raw bytes (32 random bytes from
   ``secrets.token_bytes``; stored as hex).
2. **Bounded integers without modulo bias.** ``below(n)`` reads 4 bytes as an unsigned big-endian
   32-bit ``u``. With ``limit = 2**32 - (2**32 % n)`` (the largest multiple of ``n`` that fits),
   ``u >= limit`` is rejected and the next 4 bytes are read; otherwise the answer is ``u % n``.
   Every residue then has exactly ``limit // n`` accepted values: uniform.
3. **Fisher–Yates (Durstenfeld).** Over the input list ``a`` (contestant ids sorted ascending):
   for ``i = len(a) - 1`` down to ``1``: ``j = below(i + 1)``, swap ``a[i]`` and ``a[j]``.
4. **Assignment.** Position ``k`` (0-based) of the shuffled list gets workstation ``k + 1``.

Anyone with the seed and the input list can recompute the result with this docstring and
``hashlib`` alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

ALGORITHM = "sha256-ctr-fisher-yates/1"
ALGORITHMS = (ALGORITHM,)
SEED_BYTES = 32
_U32 = 1 << 32


class ByteStream:
    """SHA-256 in counter mode over a seed: an endless, reproducible byte stream."""

    def __init__(self, seed: bytes):
        if not isinstance(seed, (bytes, bytearray)) or not seed:
            raise ValueError("seed must be non-empty bytes")
        self._seed = bytes(seed)
        self._counter = 0
        self._buffer = b""

    def _block(self) -> bytes:
        block = hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
        self._counter += 1
        return block

    def read(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._buffer += self._block()
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def u32(self) -> int:
        return int.from_bytes(self.read(4), "big")


def below(words: Iterator[int] | ByteStream, n: int) -> int:
    """A uniform integer in ``[0, n)`` from 32-bit words, rejecting the biased top range.

    ``words`` is a ``ByteStream`` or any iterator of 32-bit unsigned integers (tests feed chosen
    words to check the rejection boundary).
    """
    if not 1 <= n <= _U32:
        raise ValueError("n must be between 1 and 2**32")
    limit = _U32 - (_U32 % n)
    while True:
        u = words.u32() if isinstance(words, ByteStream) else next(words)
        if u < limit:
            return u % n


def shuffle(items: Sequence[int], seed: bytes, algorithm: str = ALGORITHM) -> list[int]:
    """The input in the seeded Fisher–Yates order (a new list; the input is not changed)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown draw algorithm {algorithm!r}")
    out = list(items)
    stream = ByteStream(seed)
    for i in range(len(out) - 1, 0, -1):
        j = below(stream, i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def draw(contestant_ids: Sequence[int], seed: bytes, algorithm: str = ALGORITHM) -> dict[int, int]:
    """``{contestant_id: workstation_no}`` for the ids, which must be distinct and sorted ascending."""
    ids = list(contestant_ids)
    if ids != sorted(set(ids)):
        raise ValueError("contestant ids must be distinct and sorted ascending")
    return {cid: k + 1 for k, cid in enumerate(shuffle(ids, seed, algorithm))}


def seed_from_hex(text: str) -> bytes:
    return bytes.fromhex(text)
