"""Verification is rate-limited per client: a server started with ``COMPETITION_VERIFY_RATE=5/minute``
answers five look-ups (page or API) and refuses the sixth with 429 and ``Retry-After``; a
certificate's own page counts as a look-up too, the empty verification form does not."""

from __future__ import annotations

import pytest
from harness import Client, base_env, run_cli, start_server


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("cert-rate")
    env = base_env(data_dir, f"sqlite:///{data_dir / 'rate.sqlite3'}", COMPETITION_VERIFY_RATE="5/minute")
    run_cli(env, "migrate")
    server = start_server(env, "cert-rate")
    yield server
    server.stop()


async def test_the_sixth_lookup_in_a_minute_is_refused(limited_server):
    client = Client(limited_server.base_url)
    try:
        number = "GD2026-SZ3-A-000123-9"
        statuses = []
        for i in range(5):
            url = f"/api/verify/{number}" if i % 2 == 0 else f"/verify/{number}"
            statuses.append((await client.get(url)).status_code)
        assert 429 not in statuses and statuses[0] in (404, 422)
        r = await client.get(f"/api/verify/{number}")
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
        assert 0 < int(r.headers["retry-after"]) <= 60
        assert (await client.get(f"/verify?number={number}", headers={"Accept": "text/html"})).status_code == 429
        assert (await client.get(f"/certificates/{number}", headers={"Accept": "text/html"})).status_code == 429
        assert (await client.post(f"/certificates/{number}.pdf", json={"id6": "123456"})).status_code == 429
        assert (await client.get("/verify", headers={"Accept": "text/html"})).status_code == 200, "the empty form is no look-up"
        # Other routes are not limited by it.
        assert (await client.get("/health")).status_code == 200
    finally:
        await client.aclose()
