"""Public JSON feeds a proxy may cache: the live boards, the published results, certificate checks.

A national final's boards and results draw far more phones than one server holds sockets for; the
feeds are the same for everyone who reads them (no login, no personal data beyond what is
published), so a proxy in front (deploy/nginx.conf) may answer most of them. This middleware makes
them cacheable and cheap to revalidate:

- ``ETag`` — a hash of the body (or the handler's own, where the body carries the time it was
  built); a request with a matching ``If-None-Match`` gets ``304`` and no
  body (a phone polling an unchanged board downloads nothing);
- ``Cache-Control: public, max-age=N`` (``COMPETITION_PUBLIC_MAX_AGE``, seconds; 0 turns caching
  off and sends ``no-cache`` so clients still revalidate by ETag);
- no cookies: ``Set-Cookie`` (the CSRF token a GET would hand out) is dropped, so a shared cache
  never stores or replays anyone's cookie.

Only ``GET``/``HEAD`` of the listed paths with status 200 are touched; everything else passes as it
was. The body is buffered to hash it: these feeds are small JSON (a board is a few KB).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The feeds that are the same for every reader: a skill's and an event's live board, an event's
#: and a skill's published results, a certificate check by number.
CACHEABLE = re.compile(
    r"^/api/public/skills/\d+/board$"
    r"|^/api/public/events/\d+/board$"
    r"|^/api/public/events/\d+/results$"
    r"|^/api/public/events/\d+/skills/\d+/results$"
    r"|^/api/verify/[^/]+$"
)


def etag_of(body: bytes) -> str:
    return 'W/"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))


def cache_control(max_age: int) -> str:
    if max_age <= 0:
        return "no-cache"
    # A proxy may serve a copy up to max_age old, and a little older while it fetches the next one.
    return f"public, max-age={max_age}, stale-while-revalidate={max_age}"


class PublicCache:
    """ASGI middleware; wrap the app with ``PublicCache(app, max_age=…)``."""

    def __init__(self, app: ASGIApp, max_age: int = 2) -> None:
        self.app = app
        self.max_age = max_age
        self.control = cache_control(max_age).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or not CACHEABLE.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if start["status"] != 200:
                    await send(message)
                return
            if message["type"] != "http.response.body" or start is None or start["status"] != 200:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            await self._answer(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, buffered)

    async def _answer(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        # A feed whose body carries the time it was built (a board's ``generated_at``) names its own
        # ETag from what it shows; any other is the hash of its body.
        own = next((v.decode("latin-1") for k, v in start.get("headers", []) if k.lower() == b"etag"), None)
        etag = own or etag_of(body)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"set-cookie", b"cache-control", b"etag", b"content-length")]
        headers += [(b"etag", etag.encode()), (b"cache-control", self.control), (b"vary", b"Accept-Encoding")]
        asked = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"if-none-match"), None)
        if asked is not None and _matches(asked, etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})
