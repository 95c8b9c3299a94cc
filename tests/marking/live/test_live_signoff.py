"""Safety nets on the chief judge's sign-off (提交), over HTTP on both databases: the completeness
report (only contestants who came count), the 409 naming what is incomplete unless an override
reason is given (audited), the re-check checking again, the withdrawal (chief judge before
decryption, organiser after; audited; the tablets score again), a criterion nobody scored cannot
be locked, and a judge's first mark on a locked criterion is told it is locked by the chief judge."""

from __future__ import annotations

import asyncio
import json

import pytest
from harness import account, sql, unique
from live_world import World, build
from results_world import lock_all, mark

OVERRIDE = "选手缺考未登记，仲裁组已确认"


@pytest.fixture
async def world(server):
    w = await build(server)
    yield w
    await w.close()


def url(w: World, tail: str) -> str:
    return f"/api/events/{w.event['id']}/skills/{w.skill['id']}/{tail}"


async def score(w: World, ref: str, a1=3, a2=3, b1=40, b2=40) -> None:
    jobs = [mark(j, w, ref, "A1.1", a1) for j in w.judges] + [mark(j, w, ref, "A1.2", a2) for j in w.judges]
    jobs += [mark(w.judges[0], w, ref, "B1.1", b1), mark(w.judges[0], w, ref, "B1.2", b2)]
    await asyncio.gather(*jobs)


async def check_in(w: World, present: list[str], absent: list[str]) -> None:
    people = (await w.admin.get(f"/api/events/{w.event['id']}/contestants", params={"skill_id": w.skill["id"]})).json()["items"]
    by_name = {p["name"]: p["id"] for p in people}
    for name in present:
        cid = by_name[name]
        full = (await w.admin.post(f"/api/events/{w.event['id']}/contestants/{cid}/reveal", json={"reason": "检录核对"})).json()
        r = await w.admin.put(f"/api/events/{w.event['id']}/checkin/{cid}", json={"status": "present", "id_number": full["id_number"]})
        assert r.status_code == 200, r.text
    for name in absent:
        r = await w.admin.put(
            f"/api/events/{w.event['id']}/checkin/{by_name[name]}", json={"status": "absent", "reason": "检录时未到场"}
        )  # the world checked everyone in: a correction
        assert r.status_code == 200, r.text


def codes(report: dict) -> list[str]:
    return [p["code"] for p in report["problems"]]


async def audit_details(w: World, action: str) -> list[dict]:
    """The details of the event's audit entries of ``action``, oldest first, from the database."""
    rows = await sql(
        w.server.env["DATABASE_URL"], "SELECT details FROM audit_log WHERE event_id = ? AND action = ? ORDER BY seq", w.event["id"], action
    )
    return [json.loads(r["details"]) if isinstance(r["details"], str) else r["details"] for r in rows]


async def test_sign_off_refuses_an_incomplete_skill_unless_overridden(world: World):
    w = world
    # 选手3 is absent: nothing of theirs is missing; 选手2 came but one judge left A1.1 out.
    await check_in(w, ["选手0", "选手1", "选手2"], ["选手3"])
    await score(w, w.refs[0])
    await score(w, w.refs[1])
    report = (await w.chief.get(url(w, "scores/completeness"))).json()
    assert report["complete"] is False and codes(report) == ["unscored", "unlocked"]
    unscored = report["problems"][0]
    assert [i["contestant"] for i in unscored["items"]] == [w.refs[2]]  # not refs[3], absent
    assert len(unscored["items"][0]["aspects"]) == 4 and w.refs[2] in unscored["zh"]

    # A spread of more than one point opens a re-mark.
    await asyncio.gather(*(mark(j, w, w.refs[2], "A1.1", v) for j, v in zip(w.judges, (0, 1, 3))))
    await asyncio.gather(*(mark(j, w, w.refs[2], "A1.2", 2) for j in w.judges))
    await asyncio.gather(mark(w.judges[0], w, w.refs[2], "B1.1", 40), mark(w.judges[0], w, w.refs[2], "B1.2", 0))
    report = (await w.chief.get(url(w, "scores/completeness"))).json()
    assert codes(report) == ["open_remark", "unlocked"]
    assert report["problems"][0]["items"] == [{"contestant": w.refs[2], "aspects": [{"aspect": "A1.1", "scores": 3, "judges": 3}]}]

    # The judging list shows the same report before its sign-off button.
    page = (await w.chief.get(f"/events/{w.event['id']}/skills/{w.skill['id']}/judging")).text
    assert 'data-complete="false"' in page and 'data-gap="open_remark"' in page and 'name="override_reason"' in page
    r = await w.chief.post(url(w, "scores/submit"))
    assert r.status_code == 409 and r.json()["code"] == "scores_incomplete" and r.json()["field"] == "override_reason"
    assert "待复评" in r.json()["message"] and "未锁定" in r.json()["message"] and "理由" in r.json()["message"]
    r = await w.chief.post(url(w, "scores/submit"), json={"override_reason": "  "}, headers={"Accept-Language": "en"})
    assert r.status_code == 409 and "re-marking" in r.json()["message"] and "not locked" in r.json()["message"]
    # The tablets still score: nothing was signed off.
    await mark(w.judges[0], w, w.refs[2], "A1.1", 2)
    await mark(w.judges[2], w, w.refs[2], "A1.1", 2)
    await lock_all(w)
    report = (await w.chief.get(url(w, "scores/completeness"))).json()
    assert report["complete"] is True and report["problems"] == []
    assert (await w.chief.post(url(w, "scores/submit"))).status_code == 200


async def test_override_is_audited_and_the_recheck_checks_again(world: World):
    w = world
    await score(w, w.refs[0])
    r = await w.chief.post(url(w, "scores/submit"), json={"override_reason": OVERRIDE})
    assert r.status_code == 200, r.text
    entries = await audit_details(w, "scores.submit")
    assert entries[0]["override_reason"] == OVERRIDE and {i["code"] for i in entries[0]["incomplete"]} == {"unscored", "unlocked"}
    # The re-check asks again what it names, with its own override.
    r = await w.chief.post(url(w, "scores/recheck"))
    assert r.status_code == 409 and r.json()["code"] == "scores_incomplete" and "复核" in r.json()["message"]
    r = await w.chief.post(url(w, "scores/recheck"), json={"override_reason": OVERRIDE})
    assert r.status_code == 200 and r.json()["submission"]["rechecked"] is True


async def test_withdrawal_by_the_chief_judge_then_by_the_organiser_after_decryption(world: World, server):
    w = world
    for ref in w.refs:
        await score(w, ref)
    await lock_all(w)
    r = await w.chief.post(url(w, "scores/withdraw"), json={"reason": "还没有提交"})
    assert r.status_code == 409 and r.json()["code"] == "not_submitted"
    assert (await w.chief.post(url(w, "scores/submit"))).status_code == 200
    signed = await w.chief.post(url(w, "marks"), json={"op_id": unique("w-"), "contestant": w.refs[0], "aspect": "A1.1", "value": "2",
                                                        "seat": w.judge_ids[0], "authority": "chief_judge", "reason": "复核"})  # fmt: skip
    assert signed.status_code == 409 and signed.json()["code"] == "signed_off"

    organiser = await account(w.admin, server, w.event["id"], "organiser")
    try:
        r = await w.chief.post(url(w, "scores/withdraw"), json={"reason": ""})
        assert r.status_code == 422 and r.json()["field"] == "reason"
        # Before decryption the withdrawal is the chief judge's, not the organiser's.
        console = f"/events/{w.event['id']}/skills/{w.skill['id']}/console"
        page = (await w.chief.get(console)).text
        assert 'id="withdraw-form"' in page and "data-confirm=" in page and 'id="recheck-scores"' in page
        assert 'id="withdraw-form"' not in (await organiser.get(console)).text
        r = await organiser.post(url(w, "scores/withdraw"), json={"reason": "组织方撤回"})
        assert r.status_code == 403 and "裁判长" in r.json()["message"]
        r = await w.chief.post(url(w, "scores/withdraw"), json={"reason": "发现B1.2录入有误"})
        assert r.status_code == 200 and r.json()["submission"] is None
        # The chief judge corrects again (the tablets' stage is scoring again).
        fixed = await w.chief.post(url(w, "marks"), json={"op_id": unique("w-"), "contestant": w.refs[0], "aspect": "B1.2", "value": "0",
                                                           "seat": w.judge_ids[0], "authority": "chief_judge", "reason": "复核"})  # fmt: skip
        assert fixed.status_code == 201, fixed.text
        entries = await audit_details(w, "scores.withdraw")
        assert entries[0]["reason"] == "发现B1.2录入有误" and entries[0]["after_decryption"] is False

        # Signed off, re-checked and decrypted: now only the organiser withdraws.
        assert (await w.chief.post(url(w, "scores/submit"))).status_code == 200
        assert (await w.chief.post(url(w, "scores/recheck"))).status_code == 200
        assert (await w.officer.post(url(w, "decrypt"), json={"note": "监督在场"})).status_code == 200
        r = await w.chief.post(url(w, "scores/withdraw"), json={"reason": "再改"}, headers={"Accept-Language": "en"})
        assert r.status_code == 403 and "organiser" in r.json()["message"]
        console = f"/events/{w.event['id']}/skills/{w.skill['id']}/console"
        assert 'id="withdraw-form"' in (await organiser.get(console)).text
        assert 'id="withdraw-form"' not in (await w.chief.get(console)).text
        r = await organiser.post(url(w, "scores/withdraw"), json={"reason": "解密后发现工位号登记错误"})
        assert r.status_code == 200, r.text
        entries = await audit_details(w, "scores.withdraw")
        assert [e["after_decryption"] for e in entries] == [False, True] and entries[1]["withdrawn"]["rechecked_head"]
        # The judges score again: criterion B reopened, a judge corrects their own mark.
        assert (await w.chief.delete(url(w, "locks/B"), params={"reason": "撤回后重新开放"})).status_code == 200
        r = await w.judges[0].post(url(w, "marks"), json={"op_id": unique("w-"), "contestant": w.refs[1], "aspect": "B1.1", "value": "0",
                                                           "reason": "重新测试未通过"})  # fmt: skip
        assert r.status_code == 201 and r.json()["kind"] == "correction", r.text
    finally:
        await organiser.aclose()


async def test_locks_need_a_score_and_a_first_mark_on_a_locked_criterion_says_so(world: World):
    w = world
    r = await w.chief.post(url(w, "locks"), json={"criterion": "A"})
    assert r.status_code == 409 and r.json()["code"] == "criterion_unscored" and "还没有任何评分" in r.json()["message"]
    await mark(w.judges[0], w, w.refs[0], "A1.1", 2)
    assert (await w.chief.post(url(w, "locks"), json={"criterion": "A"})).status_code == 201
    # A first mark on the locked criterion: locked by the chief judge, not "changes need a reason".
    r = await w.judges[1].post(url(w, "marks"), json={"op_id": unique("l-"), "contestant": w.refs[0], "aspect": "A1.1", "value": "2"})
    assert r.status_code == 409 and r.json()["code"] == "locked"
    assert "已由裁判长锁定" in r.json()["message"] and "修改须由裁判长填写理由" not in r.json()["message"]
    # A change of one's own mark on it keeps the message about changes.
    r = await w.judges[0].post(
        url(w, "marks"), json={"op_id": unique("l-"), "contestant": w.refs[0], "aspect": "A1.1", "value": "3", "reason": "再看"}
    )
    assert r.status_code == 409 and "修改须由裁判长填写理由" in r.json()["message"]
