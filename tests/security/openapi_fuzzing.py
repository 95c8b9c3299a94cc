"""The fuzzing machinery of the OpenAPI fuzz tests (``test_sec_openapi_fuzz*.py``): Schemathesis
runs every operation of ``/schema/openapi.json`` through bounded passes of valid and invalid
requests and collects failures per operation with a curl command to reproduce them. Two files, so
the administrator's and the anonymous visitor's runs go to different test processes."""

from __future__ import annotations

import http.cookiejar
import os
import re
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

import httpx
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
    # FUZZ_PATHS=<regex>: only the operations whose path matches (to re-fuzz new routes by hand).
    only = re.compile(os.environ["FUZZ_PATHS"]) if os.environ.get("FUZZ_PATHS") else None
    for result in schema.get_all_operations():
        op = result.ok()
        if only is not None and not only.search(op.path):
            continue
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


async def admin_headers(world: SecWorld) -> dict[str, str]:
    return {"Cookie": cookie_header(world.admin), "X-CSRFToken": world.admin.http.cookies.get("csrftoken") or ""}


async def fuzz_world(server) -> AsyncIterator[SecWorld]:
    w = await build_world(server)
    yield w
    await w.close()


def healthy(base_url: str) -> None:
    r = httpx.get(base_url + "/health", timeout=10)
    assert r.status_code == 200, r.text
