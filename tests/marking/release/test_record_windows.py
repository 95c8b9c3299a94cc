"""Notice and appeal windows have floors (``scoring/presets.py``), on both databases, on a
server started WITHOUT the tests' ``COMPETITION_MIN_WINDOW_HOURS=0``: an override below a floor, or of
a floor, is refused with a bilingual message naming the field and the minimum; a window stored
below its floor behind the server's back is held to the floor at publication; the release records
the windows that applied (its JSON and the public notice)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from harness import ADMIN_PASSWORD, Client, base_env, create_pg_database, drop_pg_database, need_postgres, new_event, run_cli, sql, start_server
from results_world import decrypt, results_world, sign_off


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def floored(request, tmp_path_factory):
    """A server whose window floors are the tiers' own."""
    kind = request.param
    data_dir = tmp_path_factory.mktemp(f"floors-{kind}")
    if kind == "postgres":
        need_postgres()
        url = await create_pg_database()
    else:
        url = f"sqlite:///{data_dir / 'floors.sqlite3'}"
    env = base_env(data_dir, url)
    env.pop("COMPETITION_MIN_WINDOW_HOURS", None)
    run_cli(env, "migrate")
    run_cli(env, "create-user", "admin", "--name", "测试管理员", "--password", ADMIN_PASSWORD, "--admin")
    server = start_server(env, f"floors-{kind}", db_kind=kind)
    try:
        yield server
    finally:
        server.stop()
        if kind == "postgres":
            await drop_pg_database(url)


async def test_overrides_cannot_go_below_the_floors(floored):
    admin = Client(floored.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    try:
        eid = (await new_event(admin))["id"]
        preset = f"/api/events/{eid}/preset"
        effective = (await admin.get(preset)).json()["effective"]["results"]
        assert effective["min_notice_hours"] == 24 and effective["min_appeal_window_hours"] == 2

        r = await admin.put(preset, json={"overrides": {"results": {"notice_hours": 0}}})
        assert r.status_code == 422 and r.json()["code"] == "below_minimum" and r.json()["field"] == "results.notice_hours", r.text
        assert "公示时长" in r.json()["message"] and "24 小时" in r.json()["message"]
        r = await admin.put(preset, json={"overrides": {"results": {"appeal_window_hours": 0.5}}}, headers={"Accept-Language": "en"})
        assert r.status_code == 422 and r.json()["field"] == "results.appeal_window_hours"
        assert "Appeals within (hours)" in r.json()["message"] and "at least 2 h" in r.json()["message"], r.text
        # The floor belongs to the tier, not to the event.
        for floor in ("min_notice_hours", "min_appeal_window_hours"):
            r = await admin.put(preset, json={"overrides": {"results": {floor: 0, "notice_hours": 0}}})
            assert r.status_code == 422 and r.json()["code"] == "not_overridable" and r.json()["field"] == f"results.{floor}", r.text
        assert (await admin.get(preset)).json()["overrides"] == {}
        # At or above the floor: accepted.
        r = await admin.put(preset, json={"overrides": {"results": {"notice_hours": 24, "appeal_window_hours": 3}}})
        assert r.status_code == 200 and r.json()["effective"]["results"]["notice_hours"] == 24, r.text
    finally:
        await admin.aclose()


async def test_publication_holds_windows_to_the_floors_and_records_them(floored):
    rw = await results_world(floored)
    try:
        w, url = rw.w, floored.env["DATABASE_URL"]
        # An override stored before the floors existed (or behind the server's back) says 0 h.
        await sql(
            url, "UPDATE event SET preset_overrides = ? WHERE id = ?", json.dumps({"results": {"notice_hours": 0, "appeal_window_hours": 0}}), rw.eid
        )
        await sign_off(w)
        await decrypt(w)
        r = await rw.organiser.post(f"{rw.group_url}/results/provisional")
        assert r.status_code == 200, r.text
        rel = r.json()["release"]
        assert rel["windows"] == {"notice_hours": 24, "appeal_window_hours": 2, "min_notice_hours": 24, "min_appeal_window_hours": 2}
        published = dt.datetime.fromisoformat(rel["provisional_at"])
        assert dt.datetime.fromisoformat(rel["notice_ends_at"]) - published == dt.timedelta(hours=24)
        assert dt.datetime.fromisoformat(rel["appeal_ends_at"]) - published == dt.timedelta(hours=2)
        # Not final in the same second.
        r = await rw.organiser.post(f"{rw.group_url}/results/final")
        assert r.status_code == 409 and r.json()["code"] == "notice_period", r.text
        public = (await rw.anon.get(f"/api/public/events/{rw.eid}/skills/{rw.sid}/results")).json()
        assert public["groups"][0]["windows"]["notice_hours"] == 24
        page = (await rw.anon.get(f"/results/{rw.eid}/skills/{rw.sid}")).text
        assert "公示期 24 小时（不少于 24 小时）" in page and "申诉期 2 小时（不少于 2 小时）" in page
    finally:
        await rw.close()
