"""Redis, shared by the rate limits (kernel), the stores and the channel backend (the server): one
client factory with timeouts, and one record of whether Redis answered, per process."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("kernel.redis")

#: Redis client timeouts: a blackholed Redis must not hold a request for the OS's minutes.
REDIS_CONNECT_TIMEOUT_S = 2.0
REDIS_SOCKET_TIMEOUT_S = 5.0
#: While Redis is down, how often the reader (and the stores) try it again (backoff up to this).
REDIS_RETRY_MAX_S = 2.0
XREAD_BLOCK_MS = 100


def redis_client(url: str) -> "Redis":
    from redis.asyncio import Redis

    return Redis.from_url(
        url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S, socket_timeout=REDIS_SOCKET_TIMEOUT_S, socket_keepalive=True, health_check_interval=15
    )


def _redis_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError, OSError, asyncio.TimeoutError)


class RedisHealth:
    """Whether Redis answered last time, shared by the channel backend and the stores of a process."""

    def __init__(self) -> None:
        self.down_since: float | None = None
        self.last_error: str | None = None
        self.dropped = 0  # publications dropped while Redis was down
        self.outages = 0
        self._next_probe = 0.0

    @property
    def up(self) -> bool:
        return self.down_since is None

    def failed(self, exc: BaseException) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"
        if self.down_since is None:
            self.down_since = time.monotonic()
            self.outages += 1
            log.warning("Redis unavailable (%s); live updates paused, marks still stored", self.last_error)
        self._next_probe = time.monotonic() + 1.0

    def recovered(self) -> bool:
        """Record success; True when this ends an outage."""
        if self.down_since is None:
            return False
        log.warning("Redis reachable again after %.1f s; %d live update(s) were dropped meanwhile", time.monotonic() - self.down_since, self.dropped)
        self.down_since = None
        return True

    def may_try(self) -> bool:
        """Up, or down and due for another try (at most once a second, so a dead Redis costs no latency)."""
        return self.down_since is None or time.monotonic() >= self._next_probe
