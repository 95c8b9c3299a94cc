"""Settings, read from the environment once and passed down explicitly.

Every variable is optional: with none set the server runs on the embedded default, a SQLite file
in the data directory and the in-memory channel backend.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

from kernel.passwords import PROFILES

DEFAULT_DATA_DIR = "data"


class SettingsError(ValueError):
    """A setting that cannot work; the message says which variable and why."""


@dataclasses.dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None = None
    secret: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    #: Password login attempts allowed per client address, e.g. ``10/minute``.
    login_rate: str = "10/minute"
    #: Certificate look-ups by number (verification, a certificate's page, its download) per client address.
    verify_rate: str = "30/minute"
    #: Password login attempts per account (username), from any address.
    login_account_rate: str = "5/minute"
    #: One-time-code login attempts per client address: high, a venue's tablets often share one address.
    code_login_rate: str = "60/minute"
    #: Attempts per one-time code as typed (a tablet retrying a stale code locks only itself).
    code_try_rate: str = "5/minute"
    #: Promotion-ledger look-ups by ID number per account.
    ledger_rate: str = "60/hour"
    #: Contestants' self-service look-ups (own results and certificates by name + ID number) per client address.
    self_lookup_rate: str = "30/hour"
    debug: bool = False
    #: Prefix of every Redis key (channels, stores): several deployments can share one Redis.
    redis_prefix: str = "competition"
    #: ``COMPETITION_MIN_WINDOW_HOURS``, for tests and demos only: caps the tiers' floors of the
    #: public notice and appeal windows (``presets.window_floors``), so results can be made final
    #: in seconds. Never set it in production.
    min_window_hours: float | None = None
    #: ``COMPETITION_PASSWORD_HASHING``: the argon2id cost profile, ``rfc9106`` (default) or, for
    #: tests and throw-away demos only, ``test`` (see ``kernel.passwords.PROFILES``).
    password_hashing: str = "rfc9106"
    #: ``COMPETITION_DB_POOL_SIZE``: PostgreSQL connections per server process (``kernel.db.start``);
    #: with several workers or servers, keep processes × (pool + 2) under PostgreSQL's max_connections.
    db_pool_size: int = 20
    #: ``COMPETITION_PUBLIC_MAX_AGE``: seconds a proxy or browser may keep the public JSON feeds
    #: (boards, published results, certificate checks; ``kernel.http_cache``); 0 = revalidate always.
    public_max_age: int = 2

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("COMPETITION_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'competition.sqlite3'}"
        _check_database_url(database_url)
        redis_url = env.get("REDIS_URL") or None
        if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
            raise SettingsError(f"REDIS_URL must be a redis:// URL, got {redis_url!r}")
        for name in ("COMPETITION_LOGIN_RATE", "COMPETITION_VERIFY_RATE", *_NEW_RATES):
            if env.get(name):
                parse_rate(env[name], name)
        min_window_hours = None
        if env.get("COMPETITION_MIN_WINDOW_HOURS"):
            try:
                min_window_hours = float(env["COMPETITION_MIN_WINDOW_HOURS"])
            except ValueError:
                raise SettingsError(f"COMPETITION_MIN_WINDOW_HOURS must be a number of hours, got {env['COMPETITION_MIN_WINDOW_HOURS']!r}") from None
            if not 0 <= min_window_hours < 87600:
                raise SettingsError(f"COMPETITION_MIN_WINDOW_HOURS must be 0 or more hours, got {env['COMPETITION_MIN_WINDOW_HOURS']!r}")
        password_hashing = env.get("COMPETITION_PASSWORD_HASHING") or "rfc9106"
        if password_hashing not in PROFILES:
            raise SettingsError(f"COMPETITION_PASSWORD_HASHING must be one of {', '.join(PROFILES)}, got {password_hashing!r}")
        db_pool_size = 20
        if env.get("COMPETITION_DB_POOL_SIZE"):
            try:
                db_pool_size = int(env["COMPETITION_DB_POOL_SIZE"])
            except ValueError:
                db_pool_size = 0
            if not 1 <= db_pool_size <= 1000:
                raise SettingsError(f"COMPETITION_DB_POOL_SIZE must be a whole number from 1 to 1000, got {env['COMPETITION_DB_POOL_SIZE']!r}")
        public_max_age = 2
        if env.get("COMPETITION_PUBLIC_MAX_AGE"):
            try:
                public_max_age = int(env["COMPETITION_PUBLIC_MAX_AGE"])
            except ValueError:
                public_max_age = -1
            if not 0 <= public_max_age <= 3600:
                raise SettingsError(
                    f"COMPETITION_PUBLIC_MAX_AGE must be a whole number of seconds from 0 to 3600, got {env['COMPETITION_PUBLIC_MAX_AGE']!r}"
                )
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=redis_url,
            secret=env.get("COMPETITION_SECRET") or "",
            public_base_url=(env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            login_rate=env.get("COMPETITION_LOGIN_RATE") or "10/minute",
            verify_rate=env.get("COMPETITION_VERIFY_RATE") or "30/minute",
            **{field: env[name] for name, field in _NEW_RATES.items() if env.get(name)},
            debug=(env.get("COMPETITION_DEBUG") or "").lower() in ("1", "true", "yes"),
            redis_prefix=env.get("COMPETITION_REDIS_PREFIX") or "competition",
            min_window_hours=min_window_hours,
            password_hashing=password_hashing,
            db_pool_size=db_pool_size,
            public_max_age=public_max_age,
        )

    @property
    def database_kind(self) -> str:
        return "postgresql" if self.database_url.startswith(("postgres://", "postgresql://")) else "sqlite"

    @property
    def channels_kind(self) -> str:
        return "redis" if self.redis_url else "memory"

    def resolved_secret(self) -> str:
        """The signing secret: the configured one, or one generated once and kept in the data dir."""
        if self.secret:
            return self.secret
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret.key"
        if not path.exists():
            # Written with O_EXCL so two workers starting together agree on one secret.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


#: The other rate limits' variables → fields (``kernel/ratelimit.py`` applies them all).
_NEW_RATES = {
    "COMPETITION_LOGIN_ACCOUNT_RATE": "login_account_rate",
    "COMPETITION_CODE_LOGIN_RATE": "code_login_rate",
    "COMPETITION_CODE_TRY_RATE": "code_try_rate",
    "COMPETITION_LEDGER_RATE": "ledger_rate",
    "COMPETITION_SELF_LOOKUP_RATE": "self_lookup_rate",
}


def _check_database_url(url: str) -> None:
    scheme = urlparse(url).scheme
    if scheme not in ("sqlite", "postgres", "postgresql"):
        raise SettingsError(f"DATABASE_URL must start with sqlite:/// or postgresql://, got {url!r}")


def parse_rate(text: str, name: str = "rate") -> tuple[str, int]:
    """``"10/minute"`` → ``("minute", 10)``; at least one attempt."""
    try:
        count, unit = text.split("/")
        unit = unit.strip()
        if unit not in ("second", "minute", "hour", "day") or int(count) < 1:
            raise ValueError
        return unit, int(count)
    except ValueError:
        raise SettingsError(f"{name} must look like 10/minute, got {text!r}") from None


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///relative/path`` or ``sqlite:////absolute/path`` URL."""
    return Path(urlparse(url).path[1:])
