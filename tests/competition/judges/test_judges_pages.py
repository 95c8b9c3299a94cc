"""The judges pages render for organisers (zh and en), chief judges see their skill's page without
contestant names, and judges are refused."""

from harness import new_event, new_skill
from judges_seed import add_contestant, add_judge, assign, judge_client

HTML = {"Accept": "text/html"}


async def test_pages_for_organiser_chief_judge_and_judge(admin, server):
    event = await new_event(admin)
    e = event["id"]
    skill = await new_skill(admin, e, name="电工")
    chief = await add_judge(admin, e, name="陈建华", delegation="广东电网有限责任公司", employer="广东电网培训中心")
    judge = await add_judge(admin, e, name="李志强", delegation="广州市", employer="广州市机电技师学院")
    spare = await add_judge(admin, e, name="吴海燕", delegation="东莞市", employer="东莞市技师学院")
    await assign(admin, e, skill["id"], chief["id"], role="chief_judge")
    await assign(admin, e, skill["id"], judge["id"], criteria=["A", "B"])
    await add_contestant(admin, e, skill, delegation="广州市", employer="广州地铁", name="陈建国")

    page = await admin.get(f"/events/{e}", headers=HTML)
    assert f'href="/events/{e}/judges"' in page.text and "裁判管理" in page.text

    r = await admin.get(f"/events/{e}/judges", headers=HTML)
    assert r.status_code == 200 and "裁判库" in r.text
    assert all(name in r.text for name in ("陈建华", "李志强", "吴海燕")) and "电工" in r.text
    r = await admin.get(f"/events/{e}/judges", params={"q": "东莞"}, headers=HTML)
    assert "吴海燕" in r.text and "李志强" not in r.text
    r = await admin.get(f"/events/{e}/judges", params={"lang": "en"}, headers=HTML)
    assert "Judge registry" in r.text and "Add judge" in r.text

    r = await admin.get(f"/events/{e}/judges/{spare['id']}/edit", headers=HTML)
    assert r.status_code == 200 and 'value="吴海燕"' in r.text and 'data-method="PATCH"' in r.text

    r = await admin.get(f"/events/{e}/judges/skills/{skill['id']}", headers=HTML)
    assert r.status_code == 200
    assert "裁判长：陈建华" in r.text and "回避关系" in r.text and "陈建国" in r.text  # organisers see the conflict by name
    assert 'id="shortfalls"' in r.text and "吴海燕" in r.text  # the spare judge is offered for assignment

    r = await admin.get(f"/events/{e}/judges/cards", params={"skill_id": skill["id"]}, headers=HTML)
    assert r.status_code == 200 and "陈建华" in r.text and "吴海燕" not in r.text and "@media print" in r.text

    chief_client = await judge_client(server, admin, e, chief["id"])
    r = await chief_client.get(f"/events/{e}/judges/skills/{skill['id']}", headers=HTML)
    assert r.status_code == 200 and "李志强" in r.text and 'id="shortfalls"' in r.text
    assert "陈建国" not in r.text and 'id="conflicts"' not in r.text and "data-judges-assign" not in r.text
    assert (await chief_client.get(f"/events/{e}/judges", headers=HTML)).status_code == 403
    page = await chief_client.get(f"/events/{e}", headers=HTML)
    assert f'href="/events/{e}/judges/skills/{skill["id"]}"' in page.text and f'href="/events/{e}/judges"' not in page.text

    judge_client_ = await judge_client(server, admin, e, judge["id"])
    for url in (f"/events/{e}/judges", f"/events/{e}/judges/skills/{skill['id']}", f"/events/{e}/judges/cards"):
        assert (await judge_client_.get(url, headers=HTML)).status_code == 403, url
    for c in (chief_client, judge_client_):
        await c.aclose()
