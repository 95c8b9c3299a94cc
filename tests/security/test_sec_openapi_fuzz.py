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
import time

import pytest
import requests
from openapi_fuzzing import ADMIN_PASSES, admin_headers, fuzz, fuzz_world, healthy
from sec_world import SecWorld

pytestmark = pytest.mark.slow(seconds=950)  # measured, under load: collected first, slowest first (tests/conftest.py)


@pytest.fixture(scope="module")
async def world(server):
    async for w in fuzz_world(server):
        yield w


async def test_fuzz_every_operation_as_administrator(world: SecWorld, server):
    headers = await admin_headers(world)
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
    healthy(base)
