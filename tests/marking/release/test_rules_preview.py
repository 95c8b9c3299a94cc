"""The rules preview (POST /api/events/{e}/rules/preview): what a draft of the rules would give,
with the reasons, on the current ranking of each group or on a sample; it never saves, and a
wrong setting is refused naming it in the words of the rules form."""

from __future__ import annotations

import pytest
from harness import new_event
from live_world import build
from results_world import score_all

# Totals 100, 93.34, 93.34, 46.66, 0: two tied for 2nd.
TIED = [(3, 3, 40, 40), (2, 2, 40, 40), (2, 2, 40, 40), (1, 1, 40, 0), (0, 0, 0, 0)]


def by_rank(group):
    return [(r["rank"], r["award"]) for r in group["rows"]]


async def test_a_sample_ranking_shows_what_a_tie_does_and_nothing_is_saved(admin):
    event = await new_event(admin)  # provincial, class 2: 一/二/三等奖 1:2:3 within 20 %, 优胜奖 to the top 50 %
    url = f"/api/events/{event['id']}/rules/preview"
    r = await admin.post(url, json={"overrides": {}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "sample" and len(body["groups"]) == 1
    group = body["groups"][0]
    # 20 entrants: a cap of 4 prizes split 1, 1, 2 (first to place 1, second to 2, third to 4). Two tie
    # for 2nd across the second prize's line: both take the lower award, and nobody gets 二等奖.
    assert by_rank(group)[:4] == [(1, "first"), (2, "third"), (2, "third"), (4, "third")]
    assert "second" not in {a for _, a in by_rank(group)}
    tied = group["rows"][1]["reason"]["zh"]
    assert "2 人并列第 2 名" in tied and "二等奖名额只到第 2 名" in tied and "较低" in tied, tied
    assert any("二等奖有名额" in m["zh"] and "无人获得" in m["zh"] for m in group["summary"]), group["summary"]
    assert "a tie across a quota line takes the lower award" in group["rows"][2]["reason"]["en"]
    # Places 5–10 get 优胜奖; the honour goes to the top 3 of the employee group; 优胜奖 and above → 技师.
    assert by_rank(group)[4:11] == [(r, "excellence") for r in range(5, 11)] + [(11, None)]
    assert [r["honour"] for r in group["rows"][:4]] == ["guangdong_technical_expert"] * 3 + [None]
    assert group["rows"][9]["promotion_to"] == "技师" and group["rows"][10]["promotion_to"] is None

    # The draft with the higher award for a tie: both 2nd get 二等奖. Nothing was saved.
    draft = {"awards": {"params": {"tie_at_boundary": "higher"}}}
    group = (await admin.post(url, json={"overrides": draft})).json()["groups"][0]
    assert by_rank(group)[:4] == [(1, "first"), (2, "second"), (2, "second"), (4, "third")]
    assert "较高" in group["rows"][1]["reason"]["zh"]
    assert (await admin.get(f"/api/events/{event['id']}/preset")).json()["overrides"] == {}

    # Sample scores as typed.
    r = await admin.post(url, json={"overrides": {}, "sample_scores": [90, 90, 80, "70.5", 60]})
    assert r.status_code == 200
    assert [(x["rank"], x["score"]) for x in r.json()["groups"][0]["rows"]][:4] == [(1, "90"), (1, "90"), (3, "80"), (4, "70.5")]


@pytest.mark.parametrize(
    "body, field, words_zh, words_en",
    [
        ({"overrides": {"awards": {"params": {"cap_fraction": "1.5"}}}}, "awards.params.cap_fraction", "获奖比例上限", "Prizes at most"),
        ({"overrides": {"awards": {"params": {"ratio": [1, 2]}}}}, "awards.params.ratio", "比例（一等奖:二等奖:三等奖）", "Ratio (first"),
        ({"overrides": {"honours": {"params": {"top": "五"}}}}, "honours.params.top", "技术能手名额", "Places that earn it"),
        (
            {"overrides": {"ranking": {"params": {"tie_break": ["height"]}}}},
            "ranking.params.tie_break",
            "同分时依次比较",
            "Equal scores are separated",
        ),
        ({"overrides": {"awards": {"params": {"tie_at_boundary": "middle"}}}}, "awards.params.tie_at_boundary", "并列处理", "Ties across"),
        ({"overrides": {}, "sample_scores": [90, "x"]}, "sample_scores", "样例成绩", "Sample score"),
    ],
)
async def test_a_wrong_setting_is_refused_naming_it_in_words(admin, body, field, words_zh, words_en):
    event = await new_event(admin)
    url = f"/api/events/{event['id']}/rules/preview"
    r = await admin.post(url, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and words_zh in r.json()["message"], r.json()
    assert "params." not in r.json()["message"]
    r = await admin.post(url, json=body, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and words_en in r.json()["message"], r.json()
    if field != "sample_scores":  # saving is refused the same way
        r = await admin.put(f"/api/events/{event['id']}/preset", json={"overrides": body["overrides"]})
        assert r.status_code == 422 and r.json()["field"] == field and words_zh in r.json()["message"]


async def test_the_current_ranking_of_each_group_before_decryption(server, anon):
    w = await build(server, contestants=5)
    try:
        await score_all(w, TIED)
        url = f"/api/events/{w.event['id']}/rules/preview"
        draft = {"awards": {"strategy": "provincial"}}
        r = await w.admin.post(url, json={"overrides": draft})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["source"] == "current" and len(body["groups"]) == 1
        group = body["groups"][0]
        assert group["skill"] == "网络系统管理" and group["group"] == "职工组" and group["entrants"] == 5
        # 5 ranked: 1 prize (a third, by the largest remainder); 优胜奖 to place 2 — but two tie for
        # 2nd across that line, and a tie takes the lower award: neither gets one.
        assert by_rank(group) == [(1, "third"), (2, None), (2, None), (4, None), (5, None)]
        assert "优胜奖只到第 2 名" in group["rows"][1]["reason"]["zh"], group["rows"][1]
        # Not decrypted yet: rows name the encrypted number judges know, never a name.
        assert {r["contestant"] for r in group["rows"]} == set(w.refs)
        assert all("选手" not in r["contestant"] for r in group["rows"])
        draft = {"awards": {"strategy": "provincial", "params": {"tie_at_boundary": "higher"}}}
        group = (await w.admin.post(url, json={"overrides": draft})).json()["groups"][0]
        assert by_rank(group)[:3] == [(1, "third"), (2, "excellence"), (2, "excellence")]
        # The event's own rules are untouched (WorldSkills medals).
        assert (await w.admin.get(f"/api/events/{w.event['id']}/preset")).json()["overrides"] == {}
        assert (await anon.post(url, json={"overrides": {}})).status_code in (401, 403)
    finally:
        await w.close()
