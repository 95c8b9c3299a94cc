"""The OpenAPI fuzz (see ``test_sec_openapi_fuzz.py``) as an anonymous visitor holding a CSRF
token, so unsafe requests get past CSRF to the guards: no 5xx, every content type declared."""

from __future__ import annotations

import asyncio
import time

import pytest
from openapi_fuzzing import ANON_PASSES, fuzz, fuzz_world, healthy
from sec_world import SecWorld, cookie_header

pytestmark = pytest.mark.slow  # a minute or more: collected first (tests/conftest.py)


@pytest.fixture(scope="module")
async def world(server):
    async for w in fuzz_world(server):
        yield w


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
    healthy(server.base_url)
