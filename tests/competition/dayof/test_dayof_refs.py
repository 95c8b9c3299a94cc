"""``judge_ref`` and ``contestant_for_ref``, the service functions the live scoring feature uses.

They are called in-process, so this test runs them on a database of its own (a fresh SQLite file
migrated by ``competition migrate``), never on a test server's database, and only through the
services the API uses.
"""

from __future__ import annotations

from datetime import date

import pytest
from harness import base_env, run_cli

from kernel import audit
from kernel.errors import AppError
from scoring.idcard import make_id

ACTOR = audit.Actor(None, "test")


@pytest.fixture
async def own_db(tmp_path):
    from kernel.db import bind_engine, current_engine, engine_from_url

    url = f"sqlite:///{tmp_path / 'refs.sqlite3'}"
    run_cli(base_env(tmp_path, url), "migrate")
    before = current_engine()
    bind_engine(engine_from_url(url))
    yield
    bind_engine(before)


async def test_refs_follow_the_latest_round(own_db):
    from competition.dayof import anonymisation as anon
    from competition.events import service as events
    from competition.registration import service as registration

    event = await events.create_event({"name": "测试赛", "code": "REFS1", "tier": "provincial"}, ACTOR)
    skill = await events.create_skill(event["id"], {"name": "电工", "groups": ["employee"]}, ACTOR)
    other = await events.create_skill(event["id"], {"name": "焊工", "groups": ["employee"]}, ACTOR)
    ids = []
    for i in range(3):
        c = await registration.register_one(
            event["id"],
            {
                "name": f"选手{i}",
                "id_number": make_id("440106", date(1990, 1, 1 + i), i),
                "skill_id": skill["id"],
                "group_id": skill["groups"][0]["id"],
                "employer": "单位",
                "delegation": "广州市",
                "phone": f"1380000000{i}",
                "current_level": "学徒工",
            },
            ACTOR,
        )
        ids.append(c["id"])

    with pytest.raises(AppError) as err:
        await anon.judge_ref(ids[0])
    assert err.value.status_code == 409
    with pytest.raises(AppError) as err:
        await anon.judge_ref(999_999)
    assert err.value.status_code == 404

    await anon.generate_round(event["id"], skill["id"], 1, ACTOR)
    first = {cid: await anon.judge_ref(cid) for cid in ids}
    assert len(set(first.values())) == 3 and all(v.startswith("A") for v in first.values())
    for cid, ref in first.items():
        assert await anon.contestant_for_ref(skill["id"], ref) == cid
        assert await anon.contestant_for_ref(skill["id"], f"  {ref.lower()} ") == cid
    with pytest.raises(AppError):
        await anon.contestant_for_ref(other["id"], first[ids[0]])  # another skill's number space

    await anon.generate_round(event["id"], skill["id"], 2, ACTOR)
    second = {cid: await anon.judge_ref(cid) for cid in ids}
    assert all(v.startswith("B") for v in second.values())
    for cid in ids:
        assert await anon.contestant_for_ref(skill["id"], second[cid]) == cid
        with pytest.raises(AppError) as err:
            await anon.contestant_for_ref(skill["id"], first[cid])  # round 1 is no longer what judges know
        assert err.value.status_code == 404
