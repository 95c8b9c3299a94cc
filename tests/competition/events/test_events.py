"""Events, skills, groups and rule presets through the API."""

import pytest
from harness import new_event, new_skill, unique


async def test_create_read_edit_list_archive(admin):
    event = await new_event(admin, tier="provincial", tier_class="class1")
    assert event["preset_name"] == "provincial.class1"
    eid = event["id"]
    got = (await admin.get(f"/api/events/{eid}")).json()
    assert got["name"] == "第三届广东省职业技能大赛" and got["skills"] == []

    r = await admin.patch(f"/api/events/{eid}", json={"venue": "深圳国际会展中心", "tier": "national", "tier_class": None})
    assert r.status_code == 200, r.text
    assert r.json()["venue"] == "深圳国际会展中心" and r.json()["preset_name"] == "national"

    listed = (await admin.get("/api/events")).json()
    assert any(e["id"] == eid for e in listed)

    assert (await admin.post(f"/api/events/{eid}/archive")).json()["archived"] is True
    assert all(e["id"] != eid for e in (await admin.get("/api/events")).json())
    assert any(e["id"] == eid for e in (await admin.get("/api/events?archived=true")).json())
    r = await admin.patch(f"/api/events/{eid}", json={"venue": "x"})
    assert r.status_code == 409 and r.json()["code"] == "archived"
    assert (await admin.post(f"/api/events/{eid}/unarchive")).json()["archived"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "  "}, "name"),
        ({"code": "a b"}, "code"),
        ({"tier": "galactic"}, "tier"),
        ({"tier": "national", "tier_class": "class1"}, "tier_class"),
        ({"starts_on": "2026-12-05", "ends_on": "2026-12-01"}, "ends_on"),
        ({"starts_on": "2026-02-30"}, "starts_on"),
        ({"name": 42}, "name"),
    ],
)
async def test_event_validation_names_the_field(admin, body, field):
    full = {"name": "赛事", "code": unique("V"), "tier": "provincial"} | body
    r = await admin.post("/api/events", json=full)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    # The message names the field as a person calls it, never by its internal name.
    from kernel.errors import field_label

    message = r.json()["message"]
    assert r.json()["code"] == "invalid" and f"“{field}”" not in message and f"'{field}'" not in message
    assert field_label(field, "zh") in message


async def test_missing_field_and_bad_json(admin):
    r = await admin.post("/api/events", json={"code": "MISS1", "tier": "provincial"})
    assert r.status_code == 422 and r.json()["field"] == "name"
    r = await admin.post("/api/events", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_body"


async def test_duplicate_code_is_a_conflict(admin):
    event = await new_event(admin)
    r = await admin.post("/api/events", json={"name": "x", "code": event["code"], "tier": "national"})
    assert r.status_code == 409 and r.json()["field"] == "code"


async def test_unknown_ids_are_404(admin):
    for url in ("/api/events/999999", "/api/events/999999/skills", "/api/events/999999/preset"):
        r = await admin.get(url)
        assert r.status_code == 404 and r.json()["code"] == "not_found", url
    event = await new_event(admin)
    r = await admin.get(f"/api/events/{event['id']}/skills/999999")
    assert r.status_code == 404
    r = await admin.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_skills_and_groups(admin):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"], name="数控车工", occupation_code="6-18-01-01", industry_cluster="高端装备制造")
    assert [g["kind"] for g in skill["groups"]] == ["employee", "student"]
    assert [g["name"] for g in skill["groups"]] == ["职工组", "学生组"]
    # The cluster is picked from the province's list (by name or code) and stored as its code.
    assert skill["industry_cluster"] == "E02" and skill["industry_cluster_name"]["zh"] == "高端装备制造"
    assert skill["occupation_name"] == {"zh": "车工", "en": "Turner"}
    r = await admin.patch(f"/api/events/{event['id']}/skills/{skill['id']}", json={"industry_cluster": "先进制造业"})
    assert r.status_code == 422 and r.json()["field"] == "industry_cluster" and "20" in r.json()["message"], r.text
    r = await admin.post(f"/api/events/{event['id']}/skills/{skill['id']}/groups", json={"kind": "teacher"})
    assert r.status_code == 201 and r.json()["name"] == "教师组"
    r = await admin.post(f"/api/events/{event['id']}/skills/{skill['id']}/groups", json={"kind": "teacher"})
    assert r.status_code == 409
    r = await admin.patch(f"/api/events/{event['id']}/skills/{skill['id']}", json={"team_size": 2})
    assert r.status_code == 200 and r.json()["team_size"] == 2
    skills = (await admin.get(f"/api/events/{event['id']}/skills")).json()
    assert [s["name"] for s in skills] == ["数控车工"] and len(skills[0]["groups"]) == 3


@pytest.mark.parametrize(
    "body, field",
    [({"name": ""}, "name"), ({"occupation_code": "63101"}, "occupation_code"), ({"team_size": 4}, "team_size"), ({"groups": ["alumni"]}, "groups")],
)
async def test_skill_validation_names_the_field(admin, body, field):
    event = await new_event(admin)
    r = await admin.post(f"/api/events/{event['id']}/skills", json={"name": unique("项目")} | body)
    assert r.status_code == 422, r.text
    assert r.json()["field"].split("[")[0] == field


async def test_duplicate_skill_name(admin):
    event = await new_event(admin)
    await new_skill(admin, event["id"], name="电工")
    r = await admin.post(f"/api/events/{event['id']}/skills", json={"name": "电工"})
    assert r.status_code == 409


async def test_preset_override_round_trip(admin):
    event = await new_event(admin, tier="provincial", tier_class="class1")
    eid = event["id"]
    base = (await admin.get(f"/api/events/{eid}/preset")).json()
    assert base["name"] == "provincial.class1" and base["overrides"] == {}
    assert base["effective"]["eligibility"]["min_entrants"] == 30
    assert set(base["available"]) >= {"provincial", "national", "worldskills"}

    overrides = {"eligibility": {"min_entrants": 15}, "scoring": {"parts": {"theory": "20", "practical": "80"}}}
    r = await admin.put(f"/api/events/{eid}/preset", json={"overrides": overrides})
    assert r.status_code == 200, r.text
    again = (await admin.get(f"/api/events/{eid}/preset")).json()
    assert again["overrides"] == overrides
    assert again["effective"]["eligibility"]["min_entrants"] == 15
    assert again["effective"]["scoring"]["parts"] == {"theory": "20", "practical": "80"}
    # Untouched sections keep the base values.
    assert again["effective"]["awards"] == base["effective"]["awards"]

    r = await admin.put(f"/api/events/{eid}/preset", json={"overrides": {"eligibility": {"min_entrantz": 1}}})
    assert r.status_code == 422 and r.json()["field"] == "eligibility.min_entrantz"
    r = await admin.put(f"/api/events/{eid}/preset", json={"overrides": {"eligibility": {"min_entrants": [1]}}})
    assert r.status_code == 422 and r.json()["field"] == "eligibility.min_entrants"
    # A refused override leaves the stored ones as they were.
    assert (await admin.get(f"/api/events/{eid}/preset")).json()["overrides"] == overrides

    assert (await admin.put(f"/api/events/{eid}/preset", json={"overrides": {}})).json()["effective"]["eligibility"]["min_entrants"] == 30


async def test_tier_presets_differ_as_documented(admin):
    ws = await new_event(admin, tier="worldskills", tier_class=None)
    p = (await admin.get(f"/api/events/{ws['id']}/preset")).json()["effective"]
    assert p["standardisation"]["strategy"] == "worldskills_700"
    assert p["awards"]["strategy"] == "worldskills"
    nat = await new_event(admin, tier="national", tier_class=None)
    p = (await admin.get(f"/api/events/{nat['id']}/preset")).json()["effective"]
    assert p["honours"]["strategy"] == "national_technical_expert"
    prov = await new_event(admin, tier="provincial", tier_class="class2")
    p = (await admin.get(f"/api/events/{prov['id']}/preset")).json()["effective"]
    assert p["awards"]["strategy"] == "provincial" and p["scoring"]["parts"] == {"theory": "30", "practical": "70"}


async def test_an_override_swaps_a_strategy_and_names_a_wrong_parameter(admin):
    eid = (await new_event(admin, tier="provincial", tier_class="class2"))["id"]
    url = f"/api/events/{eid}/preset"
    # Guangdong's 省职业技能大赛 awards medals: the section starts from the new strategy's defaults.
    overrides = {"awards": {"strategy": "guangdong", "params": {"excellence_rounding": "ceil", "count_among": "eligible"}}}
    r = await admin.put(url, json={"overrides": overrides})
    assert r.status_code == 200, r.text
    again = (await admin.get(url)).json()
    assert again["overrides"] == overrides
    awards = again["effective"]["awards"]
    assert awards["strategy"] == "guangdong" and "ratio" not in awards["params"] and "cap_fraction" not in awards["params"]
    assert awards["params"]["excellence_rounding"] == "ceil" and awards["params"]["medal_ranks"] is None

    # A parameter the new strategy does not take is named, in Chinese and English.
    bad = {"awards": {"strategy": "worldskills", "params": {"ratio": [1, 2, 3]}}}
    r = await admin.put(url, json={"overrides": bad})
    assert r.status_code == 422 and r.json()["field"] == "awards.params.ratio", r.text
    # …in the words of the rules form, not by its path.
    assert "「比例（一等奖:二等奖:三等奖）」" in r.json()["message"] and "规则设置" in r.json()["message"]
    assert "awards.params" not in r.json()["message"]
    r = await admin.put(url, json={"overrides": bad}, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and "rule setting 'Ratio (first : second : third)' is wrong" in r.json()["message"]
    r = await admin.put(url, json={"overrides": {"awards": {"params": {"cap_rounding": "sideways"}}}})
    assert r.status_code == 422 and r.json()["field"] == "awards.params.cap_rounding", r.text
    r = await admin.put(url, json={"overrides": {"awards": {"strategy": "olympic"}}})
    assert r.status_code == 422 and r.json()["field"] == "awards.strategy" and r.json()["code"] == "unknown_strategy", r.text
    assert (await admin.get(url)).json()["overrides"] == overrides  # refused ones change nothing

    # The shape stored before every section was {strategy, params} is read, and stored, as the new one.
    r = await admin.put(url, json={"overrides": {"ranking": {"tie_margin": "0.5"}, "promotion": {"rules": []}}})
    assert r.status_code == 200, r.text
    assert r.json()["overrides"] == {"ranking": {"params": {"tie_margin": "0.5"}}, "promotion": {"params": {"rules": []}}}
    assert r.json()["effective"]["ranking"]["params"]["tie_margin"] == "0.5" and r.json()["effective"]["promotion"]["params"]["rules"] == []


async def test_city_industry_and_enterprise_tiers(admin):
    for tier, tier_class, honour in (("city", None, "top_by_rank"), ("industry", "drill", "none"), ("enterprise", "recognised", "none")):
        event = await new_event(admin, tier=tier, tier_class=tier_class)
        assert event["preset_name"] == (f"{tier}.{tier_class}" if tier_class else tier)
        p = (await admin.get(f"/api/events/{event['id']}/preset")).json()["effective"]
        assert p["honours"]["strategy"] == honour
    r = await admin.post("/api/events", json={"name": "x", "code": "XTIER", "tier": "city", "tier_class": "class1"})
    assert r.status_code == 422 and r.json()["field"] == "tier_class"


async def test_a_tier_change_is_refused_when_the_overrides_do_not_fit_its_strategies(admin):
    eid = (await new_event(admin, tier="provincial", tier_class="class2"))["id"]
    r = await admin.put(f"/api/events/{eid}/preset", json={"overrides": {"awards": {"params": {"split": "unit"}}}})
    assert r.status_code == 200, r.text
    r = await admin.patch(f"/api/events/{eid}", json={"tier": "worldskills", "tier_class": None})
    assert r.status_code == 422 and r.json()["field"] == "awards.params.split", r.text
    r = await admin.patch(f"/api/events/{eid}", json={"tier": "city", "tier_class": None})
    assert r.status_code == 200 and r.json()["preset_name"] == "city", r.text
