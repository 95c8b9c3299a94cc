"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing of both failures alike.
_DUMMY = _hasher.hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 8
# No 0/O, 1/I/L: codes are read off paper and typed on tablets.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_login_code() -> str:
    """An 8-character one-time code, shown as ``ABCD-EFGH``; ~39 bits, single use, short-lived."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()
