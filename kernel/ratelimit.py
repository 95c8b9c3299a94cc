"""Rate limits that hold under concurrency: in one worker, and across workers through Redis.

Each limit is a :class:`Rule` (at most ``limit`` attempts in any ``window_s`` seconds) applied to
a key (a client address, a username, a certificate number …). :meth:`Limiter.take` counts one
attempt against several (rule, key) pairs **in one atomic step**: either every counter has room
and the attempt is counted on all of them, or it is counted on none and the caller gets 429 with
``Retry-After``. Checking and counting are one step because the alternative — read the count,
check the password, then write count + 1, as a store-backed limiter does — lets every request of
a concurrent burst read the same count: 40 concurrent wrong passwords got 7 through a limit of 5.

The counters are sliding windows (a log of the attempts' times, oldest dropped as it leaves the
window), so no burst at a window's edge gets twice the limit.

- :class:`MemoryLimiter` (one worker): plain dictionaries, read and written without an ``await``
  in between, so the event loop cannot interleave two requests' steps.
- :class:`RedisLimiter` (several workers): one Lua script (``register_script``, run by ``EVALSHA``)
  per attempt over sorted sets; Redis runs a script whole, so workers cannot interleave either.
  The time is Redis's own (``TIME``), so workers on machines whose clocks differ agree. While Redis
  is down it counts in a per-worker :class:`MemoryLimiter` (limits then hold per worker, as the
  stores' fallback does, see ``kernel/redis.py``) and goes back to Redis when it answers.

An attempt that turned out fine can be given back (:meth:`Slot.give_back`): a successful login
does not use up its account's or its address's allowance, so only failures accumulate, and yet
a burst is limited before any password is checked. Handlers call the limiter themselves, after
CSRF and body validation: a request refused before the handler does not count.

:class:`Limits` names the application's rules (from the settings) and is what handlers use:
``await ratelimit.of(request).password_login(request, username)``.
"""

from __future__ import annotations

import abc
import collections
import dataclasses
import hashlib
import math
import secrets
import time
from typing import TYPE_CHECKING, Any

from litestar.exceptions import TooManyRequestsException

from kernel.settings import parse_rate

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from redis.asyncio import Redis

    from kernel.redis import RedisHealth
    from kernel.settings import Settings

_UNIT_S = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclasses.dataclass(frozen=True)
class Rule:
    """At most ``limit`` attempts in any ``window_s`` seconds, per key; ``name`` keeps its keys apart."""

    name: str
    limit: int
    window_s: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_s <= 0:
            raise ValueError(f"rate limit {self.name}: needs at least 1 attempt in a positive window")

    @classmethod
    def parse(cls, name: str, text: str) -> "Rule":
        """``Rule.parse("login_address", "10/minute")``."""
        unit, count = parse_rate(text, name)
        return cls(name, count, _UNIT_S[unit])


class RateLimited(TooManyRequestsException):
    """429 with ``Retry-After`` (and ``RateLimit-Reset``, as Litestar's limiter sent before); the
    app's error handler answers it with the bilingual ``rate_limited`` message."""

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after_s))
        wait = str(self.retry_after)
        super().__init__(detail="rate_limited", headers={"Retry-After": wait, "RateLimit-Reset": wait})


def _counter_key(rule: Rule, key: str) -> str:
    # Hashed: usernames, codes and addresses never sit in Redis as typed, and every key is short.
    return f"{rule.name}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


@dataclasses.dataclass
class Slot:
    """One counted attempt; :meth:`give_back` uncounts it."""

    limiter: "Limiter"
    keys: tuple[str, ...]
    member: str
    given_back: bool = False

    async def give_back(self) -> None:
        if not self.given_back:
            self.given_back = True
            await self.limiter._give_back(self.keys, self.member)


class Limiter(abc.ABC):
    """Counts attempts; the two implementations differ only in where the counters live."""

    async def take(self, *hits: tuple[Rule, str]) -> Slot:
        """Count one attempt on every ``(rule, key)``, or on none and raise :class:`RateLimited`."""
        counters = [(_counter_key(rule, key), rule.limit, int(rule.window_s * 1000)) for rule, key in hits]
        member = secrets.token_hex(8)
        wait_ms = await self._take(counters, member)
        if wait_ms > 0:
            raise RateLimited(wait_ms / 1000)
        return Slot(self, tuple(k for k, _, _ in counters), member)

    @abc.abstractmethod
    async def _take(self, counters: list[tuple[str, int, int]], member: str) -> int:
        """Count ``member`` on every (key, limit, window in ms) if all have room: 0; else the ms to wait."""

    @abc.abstractmethod
    async def _give_back(self, keys: tuple[str, ...], member: str) -> None:
        """Remove ``member`` from the counters of ``keys``."""


class MemoryLimiter(Limiter):
    """Counters in this process. ``_take`` has no ``await`` inside: one request's check and count
    cannot be interleaved with another's on the event loop."""

    #: After this many attempts, counters whose window has passed are dropped (memory stays bounded).
    SWEEP_EVERY = 1000

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[str, tuple[int, collections.deque[tuple[int, str]]]] = {}
        self._since_sweep = 0

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    async def _take(self, counters: list[tuple[str, int, int]], member: str) -> int:
        return self.take_now(counters, member)

    def take_now(self, counters: list[tuple[str, int, int]], member: str) -> int:
        now = self._now_ms()
        wait = 0
        for key, limit, window in counters:
            entry = self._hits.get(key)
            if entry is None:
                continue
            log = entry[1]
            while log and log[0][0] <= now - window:
                log.popleft()
            if len(log) >= limit:
                # Room comes when enough of the oldest attempts have left the window.
                wait = max(wait, log[len(log) - limit][0] + window - now, 1)
        if wait:
            return wait
        for key, _, window in counters:
            self._hits.setdefault(key, (window, collections.deque()))[1].append((now, member))
        self._since_sweep += 1
        if self._since_sweep >= self.SWEEP_EVERY:
            self._sweep(now)
        return 0

    def _sweep(self, now: int) -> None:
        self._since_sweep = 0
        for key in [k for k, (window, log) in self._hits.items() if not log or log[-1][0] <= now - window]:
            del self._hits[key]

    async def _give_back(self, keys: tuple[str, ...], member: str) -> None:
        for key in keys:
            entry = self._hits.get(key)
            if entry is not None:
                for item in entry[1]:
                    if item[1] == member:
                        entry[1].remove(item)
                        break


#: KEYS: the counters (sorted sets of attempt ids scored by time in ms); ARGV[1]: this attempt's id;
#: ARGV[2i], ARGV[2i+1]: limit and window (ms) of KEYS[i]. Returns 0 when the attempt was counted on
#: every key, else the milliseconds until all have room (nothing counted).
_TAKE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= limit then
    local oldest = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w < 1 then w = 1 end
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]))
end
return 0
"""


class RedisLimiter(Limiter):
    """Counters in Redis, shared by every worker using the same prefix."""

    def __init__(self, redis: "Redis", prefix: str, health: "RedisHealth") -> None:
        self.redis = redis
        self.prefix = f"{prefix}:ratelimit:"
        self.health = health
        self.fallback = MemoryLimiter()
        self._script = redis.register_script(_TAKE_SCRIPT)

    async def _take(self, counters: list[tuple[str, int, int]], member: str) -> int:
        from kernel.redis import _redis_errors

        if self.health.may_try():
            args: list[Any] = [member]
            for _, limit, window in counters:
                args += [limit, window]
            try:
                wait = await self._script(keys=[self.prefix + k for k, _, _ in counters], args=args)
            except _redis_errors() as exc:
                self.health.failed(exc)
            else:
                self.health.recovered()
                return int(wait)
        return self.fallback.take_now(counters, member)

    async def _give_back(self, keys: tuple[str, ...], member: str) -> None:
        from kernel.redis import _redis_errors

        await self.fallback._give_back(keys, member)  # counted there if Redis was down at the time
        if self.health.may_try():
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for key in keys:
                        pipe.zrem(self.prefix + key, member)
                    await pipe.execute()
            except _redis_errors() as exc:
                self.health.failed(exc)


def client_address(connection: "ASGIConnection[Any, Any, Any, Any]") -> str:
    """The client's address as the server sees it (uvicorn applies ``X-Forwarded-For`` only from
    ``FORWARDED_ALLOW_IPS``, so a forged header does not change it)."""
    return connection.client.host if connection.client else "?"


class Limits:
    """The application's rules over one limiter; handlers call the method named for what they limit."""

    #: Wrong ID-number tails allowed per certificate number, and per client address, per hour.
    DOWNLOAD_GUESSES_PER_NUMBER = 10
    DOWNLOAD_GUESSES_PER_ADDRESS = 30
    #: Self-service look-ups per ID number (as typed, normalised) per hour, from any address.
    SELF_LOOKUPS_PER_PERSON = 10

    def __init__(self, settings: "Settings", limiter: Limiter) -> None:
        self.limiter = limiter
        self.login_address = Rule.parse("login_address", settings.login_rate)
        self.login_account = Rule.parse("login_account", settings.login_account_rate)
        self.code_address = Rule.parse("code_address", settings.code_login_rate)
        self.code_try = Rule.parse("code_try", settings.code_try_rate)
        self.verify_address = Rule.parse("verify_address", settings.verify_rate)
        self.ledger_account = Rule.parse("ledger_account", settings.ledger_rate)
        self.self_address = Rule.parse("self_lookup_address", settings.self_lookup_rate)
        self.self_person = Rule("self_lookup_person", self.SELF_LOOKUPS_PER_PERSON, 3600)
        self.guess_number = Rule("download_number", self.DOWNLOAD_GUESSES_PER_NUMBER, 3600)
        self.guess_address = Rule("download_address", self.DOWNLOAD_GUESSES_PER_ADDRESS, 3600)

    async def password_login(self, request: "ASGIConnection[Any, Any, Any, Any]", username: str) -> Slot:
        """A password login: per account and per client address. Give the slot back on success."""
        return await self.limiter.take((self.login_account, username.strip().lower()), (self.login_address, client_address(request)))

    async def code_login(self, request: "ASGIConnection[Any, Any, Any, Any]", code: str) -> Slot:
        """A one-time-code login: per code as typed (a tablet retrying a stale code locks only itself)
        and per client address (high: a venue's tablets often share one NAT address)."""
        typed = "".join(ch for ch in code.upper() if ch.isalnum())
        return await self.limiter.take((self.code_try, typed), (self.code_address, client_address(request)))

    async def verify(self, request: "ASGIConnection[Any, Any, Any, Any]") -> Slot:
        """A certificate looked up by its number (verification, the certificate's page, its download)."""
        return await self.limiter.take((self.verify_address, client_address(request)))

    async def id_guess(self, request: "ASGIConnection[Any, Any, Any, Any]", number: str) -> Slot:
        """An ID-number tail checked against a certificate: per number and per address. Give the
        slot back when it matched, so only wrong guesses count."""
        return await self.limiter.take((self.guess_number, number), (self.guess_address, client_address(request)))

    async def self_lookup(self, request: "ASGIConnection[Any, Any, Any, Any]", id_number: str) -> Slot:
        """A contestant's self-service look-up (or appeal) by name and ID number: per client address
        and per ID number, so neither one address nor many can try one person's data often."""
        return await self.limiter.take((self.self_person, id_number), (self.self_address, client_address(request)))

    async def ledger_lookup(self, user_id: int) -> Slot:
        """A promotion-ledger look-up by ID number: per account."""
        return await self.limiter.take((self.ledger_account, str(user_id)))


def limiter_for(settings: "Settings", redis_health: "RedisHealth | None" = None) -> Limiter:
    if settings.redis_url:
        from kernel import redis as ops

        return RedisLimiter(ops.redis_client(settings.redis_url), settings.redis_prefix, redis_health or ops.RedisHealth())
    return MemoryLimiter()


def of(connection: "ASGIConnection[Any, Any, Any, Any]") -> Limits:
    """The app's :class:`Limits` (built by ``create_app``)."""
    return connection.app.state.limits


__all__ = ["Limiter", "Limits", "MemoryLimiter", "RateLimited", "RedisLimiter", "Rule", "Slot", "client_address", "limiter_for", "of"]
