"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: Argon2id cost profiles (``COMPETITION_PASSWORD_HASHING``). ``rfc9106``, the default: RFC 9106's
#: second recommended option (t=3, 64 MiB, p=4), 0.1–0.2 s of CPU per hash on a small box.
#: ``test``: the least argon2 allows, for test suites and throw-away demos that make and log in
#: thousands of accounts; a password hashed so cheaply is guessed offline at millions a second, so
#: never in production. A hash records its own cost: a login under another profile still verifies,
#: and is rehashed at the current profile's cost (``needs_rehash``).
#: Each profile: (time cost, memory cost in KiB, parallelism).
PROFILES: dict[str, tuple[int, int, int]] = {"rfc9106": (3, 65536, 4), "test": (1, 8, 1)}
DEFAULT_PROFILE = "rfc9106"


def _make(profile: str) -> PasswordHasher:
    time_cost, memory_cost, parallelism = PROFILES[profile]
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


_hasher = _make(DEFAULT_PROFILE)
_profile = DEFAULT_PROFILE
#: Verifying against this when the user does not exist keeps the timing of both failures alike;
#: made at the first login, not at every import (a tenth of a second of each CLI command's start).
_dummy: str | None = None


def _dummy_hash() -> str:
    global _dummy
    if _dummy is None:
        _dummy = _hasher.hash("not-a-real-password")
    return _dummy


def configure(profile: str) -> None:
    """Hash new passwords at ``profile``'s cost (one of :data:`PROFILES`); the server and the CLI
    call it once with the setting."""
    global _hasher, _dummy, _profile
    if profile not in PROFILES:
        raise ValueError(f"unknown password hashing profile {profile!r}; one of {', '.join(PROFILES)}")
    if profile != _profile:
        _hasher, _dummy = _make(profile), None
        _profile = profile


MIN_PASSWORD_LENGTH = 8
# No 0/O, 1/I/L: codes are read off paper and typed on tablets.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_login_code() -> str:
    """An 8-character one-time code, shown as ``ABCD-EFGH``; ~39 bits, single use, short-lived."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def new_password() -> str:
    """A generated password (shown once to whoever reset it): 12 characters of the code alphabet
    in groups of four, ``ABCD-EFGH-JKMN``; ~59 bits."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made at another cost than the current profile's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


# Argon2 takes a tenth of a second of CPU and releases the GIL: the server hashes and verifies in a
# thread, so one login does not stall every judge's acknowledgement on the event loop.
async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()
