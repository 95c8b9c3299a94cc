"""Schemathesis fuzzes every operation of the OpenAPI document (``/schema/openapi.json``) against
the real server, on SQLite and on PostgreSQL: as an administrator (session cookie + CSRF header)
and anonymously. No answer may be a server error (5xx), and every answer must carry a content type
the document declares for it.

Each operation gets valid requests and invalid ones (wrong types, missing fields, junk bodies),
both with the world's real ids in the path (so requests get past "not found" into the handlers)
and with generated ids (huge, negative). The number of examples per operation is bounded so the
whole file runs in about a minute per database; failures are collected per operation with a curl
command to reproduce them.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from sec_world import SecWorld, build_world, cookie_header

CHECKS = [not_a_server_error, content_type_conformance]
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE

#: (generation mode, use the world's ids in the path, examples per operation) for each pass.
ADMIN_PASSES = [(POSITIVE, True, 12), (NEGATIVE, True, 8), (POSITIVE, False, 4), (NEGATIVE, False, 3)]
ANON_PASSES = [(POSITIVE, True, 4), (NEGATIVE, True, 3), (POSITIVE, False, 2)]


@dataclass
class Tally:
    examples: int = 0
    operations: int = 0
    failures: dict[str, list[str]] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)

    def report(self) -> str:
        lines = []
        for label, found in sorted(self.failures.items()):
            lines.append(f"== {label}: {len(found)} failing example(s); the first:\n{found[0][:2500]}")
        return "\n".join(lines)


def _session() -> requests.Session:
    s = requests.Session()
    # Cookies go in the explicit Cookie header; a Set-Cookie (logout!) must not change the identity.
    s.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return s


def fuzz(base_url: str, headers: dict[str, str], ids: dict[str, Any], passes, reset=None) -> Tally:
    """Run every operation through ``passes``; ``reset`` is called after each operation."""
    schema = schemathesis.openapi.from_dict(httpx.get(base_url + "/schema/openapi.json", timeout=30).json())
    session = _session()
    tally = Tally()
    for result in schema.get_all_operations():
        op = result.ok()
        tally.operations += 1
        names = [p.name for p in op.path_parameters]
        real = {n: ids[n] for n in names if n in ids}
        for mode, use_ids, examples in passes:
            if use_ids and not names:
                continue

            @given(case=op.as_strategy(generation_mode=mode, path_parameters=real if use_ids else None))
            @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                      phases=[Phase.explicit, Phase.generate])  # fmt: skip
            def run(case):
                tally.examples += 1
                try:
                    response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
                    tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported at the end
                    tally.failures.setdefault(op.label, []).append(str(exc))

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
                pass
        if reset:
            reset()
    return tally


async def _admin_headers(world: SecWorld) -> dict[str, str]:
    return {"Cookie": cookie_header(world.admin), "X-CSRFToken": world.admin.http.cookies.get("csrftoken") or ""}


@pytest.fixture(scope="module")
async def world(server):
    w = await build_world(server)
    yield w
    await w.close()


def _healthy(base_url: str) -> None:
    r = httpx.get(base_url + "/health", timeout=10)
    assert r.status_code == 200, r.text


async def test_fuzz_every_operation_as_administrator(world: SecWorld, server):
    headers = await _admin_headers(world)
    base = server.base_url
    eid = world.e

    def reset() -> None:
        # The fuzzer may archive the event; bring it back so later operations reach their handlers.
        requests.post(f"{base}/api/events/{eid}/unarchive", headers=headers, timeout=30)

    started = time.monotonic()
    tally = await asyncio.to_thread(fuzz, base, headers, world.ids, ADMIN_PASSES, reset)
    took = time.monotonic() - started
    print(
        f"\nadministrator fuzz on {server.db_kind}: {tally.operations} operations, {tally.examples} examples in {took:.0f}s; statuses {dict(sorted(tally.statuses.items()))}"
    )
    assert tally.operations > 50 and tally.examples > 10 * tally.operations
    assert not tally.failures, tally.report()
    _healthy(base)


async def test_fuzz_every_operation_anonymously(world: SecWorld, server):
    # An anonymous visitor with a CSRF token: unsafe requests get past CSRF to the guards.
    anon = world.clients["anonymous"]
    token = await anon._csrf()
    headers = {"Cookie": cookie_header(anon), "X-CSRFToken": token}
    started = time.monotonic()
    tally = await asyncio.to_thread(fuzz, server.base_url, headers, world.ids, ANON_PASSES)
    took = time.monotonic() - started
    print(
        f"\nanonymous fuzz on {server.db_kind}: {tally.operations} operations, {tally.examples} examples in {took:.0f}s; statuses {dict(sorted(tally.statuses.items()))}"
    )
    assert not tally.failures, tally.report()
    _healthy(server.base_url)
