"""The judge registry through the API: add, list and search, edit, remove, accounts, login cards,
validation errors naming the field, and who may do what — on SQLite and PostgreSQL."""

import pytest
from harness import Client, account, new_event, new_skill
from judges_seed import add_contestant, add_judge, assign, judge_client, person_id


async def test_add_read_search_edit_remove(admin):
    event = await new_event(admin)
    eid = event["id"]
    id_number = person_id()
    j = await add_judge(
        admin,
        eid,
        name="  李 志强 ",
        id_number=id_number.lower()[:-1] + id_number[-1].lower(),
        employer="广州市机电技师学院",
        delegation="广州市",
        qualifications="省级裁判员",
    )
    assert j["name"] == "李 志强" and j["id_number"] == id_number and j["delegation"] == "广州市"
    assert j["user"]["username"].startswith("judge-") and j["assignments"] == []
    other = await add_judge(admin, eid, name="黄丽娟", employer="深圳技师学院", delegation="深圳市", create_account=False)
    assert other["user"] is None and other["id_number"] == ""

    listed = (await admin.get(f"/api/events/{eid}/judges")).json()
    assert [x["id"] for x in listed] == [j["id"], other["id"]]
    for q, expected in (("深圳", [other["id"]]), ("机电", [j["id"]]), (id_number[-6:], [j["id"]]), ("ＬＩ", []), ("李志强", [j["id"]])):
        found = (await admin.get(f"/api/events/{eid}/judges", params={"q": q})).json()
        assert [x["id"] for x in found] == expected, q

    r = await admin.patch(f"/api/events/{eid}/judges/{j['id']}", json={"name": "李志强", "phone": "020-8888 1234"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "李志强" and r.json()["phone"] == "020-8888 1234" and r.json()["employer"] == "广州市机电技师学院"
    accounts = (await admin.get(f"/api/events/{eid}/judges/{j['id']}")).json()
    assert accounts["user"]["id"] == j["user"]["id"]

    r = await admin.post(f"/api/events/{eid}/judges/{other['id']}/account")
    assert r.status_code == 201 and r.json()["user"]["username"].startswith("judge-")
    assert (await admin.post(f"/api/events/{eid}/judges/{other['id']}/account")).status_code == 409

    assert (await admin.delete(f"/api/events/{eid}/judges/{other['id']}")).status_code == 200
    assert (await admin.get(f"/api/events/{eid}/judges/{other['id']}")).status_code == 404
    r = await admin.get(f"/api/events/{eid}/judges/{other['id']}")
    assert r.json()["code"] == "not_found" and "裁判" in r.json()["message"]


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"name": "  "}, "name", "invalid"),
        ({"name": "张" * 51}, "name", "invalid"),
        ({"id_number": "440106199505171234"}, "id_number", "id_checksum"),
        ({"id_number": "44010619951"}, "id_number", "id_length"),
        ({"phone": "12345678901"}, "phone", "bad_phone"),
        ({"phone": "call me"}, "phone", "bad_phone"),
        ({"delegation": "广" * 101}, "delegation", "invalid"),
        ({"employer": 42}, "employer", "invalid"),
    ],
)
async def test_validation_errors_name_the_field(admin, body, field, code):
    event = await new_event(admin)
    r = await admin.post(f"/api/events/{event['id']}/judges", json={"name": "陈建华"} | body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and r.json()["code"] == code, r.json()
    from kernel.errors import field_label

    # Named as a person calls it (姓名 → 名称, 代表队, 工作单位), never by the internal name.
    assert f"“{field}”" not in r.json()["message"]
    assert field_label(field, "zh") in r.json()["message"] or code.startswith("id_") or code == "bad_phone"


async def test_english_messages_and_patch_validation(admin, server):
    event = await new_event(admin)
    j = await add_judge(admin, event["id"])
    r = await admin.patch(f"/api/events/{event['id']}/judges/{j['id']}", json={"id_number": "440106199505171234"}, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["field"] == "id_number" and "check character" in r.json()["message"]
    # The refused change left the entry as it was.
    assert (await admin.get(f"/api/events/{event['id']}/judges/{j['id']}")).json()["id_number"] == ""


async def test_duplicate_id_number_and_judge_who_is_a_contestant(admin):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    number = person_id()
    await add_judge(admin, event["id"], id_number=number)
    r = await admin.post(f"/api/events/{event['id']}/judges", json={"name": "另一人", "id_number": number})
    assert r.status_code == 409 and r.json()["field"] == "id_number"
    c = await add_contestant(admin, event["id"], skill, delegation="佛山市", employer="佛山某公司")
    r = await admin.post(f"/api/events/{event['id']}/judges", json={"name": "选手本人", "id_number": c["id_number"]})
    assert r.status_code == 409 and r.json()["code"] == "judge_is_contestant" and r.json()["field"] == "id_number"


async def test_removal_refused_while_assigned(admin):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"], name="电工")
    j = await add_judge(admin, event["id"], name="梁国栋")
    assert (await assign(admin, event["id"], skill["id"], j["id"])).status_code == 200
    r = await admin.delete(f"/api/events/{event['id']}/judges/{j['id']}")
    assert r.status_code == 409 and r.json()["code"] == "judge_assigned"
    assert "电工" in r.json()["message"] and "梁国栋" in r.json()["message"]
    assert (await admin.delete(f"/api/events/{event['id']}/skills/{skill['id']}/judges/{j['id']}")).status_code == 200
    assert (await admin.delete(f"/api/events/{event['id']}/judges/{j['id']}")).status_code == 200


async def test_login_cards_and_code_login(admin, server):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"], name="数控车工")
    j = await add_judge(admin, event["id"], name="刘晓峰")
    without = await add_judge(admin, event["id"], name="无账号", create_account=False)
    await assign(admin, event["id"], skill["id"], j["id"], criteria=["A", "B1"])
    r = await admin.post(f"/api/events/{event['id']}/judges/login-cards", json={"skill_id": skill["id"], "hours": 6})
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    assert [c["name"] for c in cards] == ["刘晓峰"]
    card = cards[0]
    assert card["assignments"] == [{"skill_name": "数控车工", "role": "judge", "criteria": ["A", "B1"]}]
    assert card["qr_svg"].lstrip().startswith(("<?xml", "<svg")) and card["login_url"].endswith(f"?code={card['code']}&next=/tablet")
    r = await admin.post(f"/api/events/{event['id']}/judges/login-cards", json={"judge_ids": [without["id"]]})
    assert r.json()["cards"] == [] and r.json()["skipped"] == [{"judge_id": without["id"], "name": "无账号"}]
    r = await admin.post(f"/api/events/{event['id']}/judges/login-cards", json={"hours": 100})
    assert r.status_code == 422 and r.json()["field"] == "hours"
    # The printed code logs the judge in, once; a newer card voids it.
    client = await judge_client(server, admin, event["id"], j["id"])
    me = (await client.get("/api/me")).json()["user"]
    assert me["id"] == j["user"]["id"] and me["display_name"] == "刘晓峰"
    await client.aclose()
    fresh = Client(server.base_url)
    assert (await fresh.post("/auth/code", json={"code": card["code"]})).status_code == 401
    await fresh.aclose()


async def test_access_organiser_only(admin, server):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    j = await add_judge(admin, event["id"])
    await assign(admin, event["id"], skill["id"], j["id"])
    me = await judge_client(server, admin, event["id"], j["id"])
    chief = await account(admin, server, event["id"], "chief_judge", skill["id"])
    other_org = await account(admin, server, (await new_event(admin))["id"], "organiser")
    org = await account(admin, server, event["id"], "organiser")
    e = event["id"]
    writes = [
        ("POST", f"/api/events/{e}/judges", {"name": "新裁判"}),
        ("PATCH", f"/api/events/{e}/judges/{j['id']}", {"phone": "13900002222"}),
        ("DELETE", f"/api/events/{e}/judges/{j['id']}", None),
        ("PUT", f"/api/events/{e}/skills/{skill['id']}/judges/{j['id']}", {"role": "judge"}),
        ("POST", f"/api/events/{e}/judges/login-cards", {}),
        ("GET", f"/api/events/{e}/judges", None),
        ("GET", f"/api/events/{e}/skills/{skill['id']}/conflicts", None),
    ]
    for client in (me, chief, other_org):
        for method, url, body in writes:
            r = await client.request(method, url, json=body)
            assert r.status_code == 403 and r.json()["code"] == "forbidden", (method, url, r.status_code)
    r = await org.post(f"/api/events/{e}/judges", json={"name": "组织方添加"})
    assert r.status_code == 201
    assert (await org.get(f"/api/events/{e}/judges")).status_code == 200
    # The chief judge reads the skill's panel and coverage, the judge does not.
    assert (await chief.get(f"/api/events/{e}/skills/{skill['id']}/judges")).status_code == 200
    assert (await chief.get(f"/api/events/{e}/skills/{skill['id']}/coverage")).status_code == 200
    assert (await me.get(f"/api/events/{e}/skills/{skill['id']}/coverage")).status_code == 403
    for c in (me, chief, other_org, org):
        await c.aclose()


async def test_archived_event_refuses_changes(admin):
    event = await new_event(admin)
    j = await add_judge(admin, event["id"])
    await admin.post(f"/api/events/{event['id']}/archive")
    r = await admin.patch(f"/api/events/{event['id']}/judges/{j['id']}", json={"name": "改名"})
    assert r.status_code == 409 and r.json()["code"] == "archived"
    assert (await admin.get(f"/api/events/{event['id']}/judges")).status_code == 200
