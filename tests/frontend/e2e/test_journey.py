"""One event's whole life in the browser, from an empty database to a verified certificate.

The administrator creates the event and its skill and appoints its people on the people page; the
organiser sets the rules on the rules form and reads its preview, uploads the marking scheme on the
scheme page and edits it there, imports the registrations from a workbook made here, adds and
assigns the judges and prints their login cards, checks the contestants in and runs the draw; the
encryption officer encrypts; two judges score on two tablets (two browser contexts); the chief
judge's sign-off is refused while criteria are unlocked, then the criteria are locked and it goes
through; the officer decrypts; the organiser publishes and records an appeal, the arbitrator
decides it, the organiser makes the results final; the approver approves, the organiser issues the
certificates; a contestant finds theirs by name and ID number, verifies it by its number and
downloads it. Every irreversible step asks first (the confirmation dialog, with the event code
where it is wanted).

Every step is a numbered screenshot in ``test-output/journey/`` (``docs/USER-GUIDE.md`` uses some),
and every page is read in Chinese and in English for message keys shown raw (``raw_keys``).

A few reads go through the API with the same browser context's cookies (``page.request``) to check
what a page stored.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import openpyxl
import pytest
from harness import ADMIN_PASSWORD, OUTPUT, migrated_env, start_server
from playwright.async_api import TimeoutError as PlaywrightTimeout
from raw_keys import page_raw_keys
from results_world import wait_until

from scoring.idcard import make_id
from scoring.scheme import scheme_from_dict
from scoring.scheme_xlsx import write_scheme_xlsx

pytestmark = pytest.mark.slow(seconds=250)  # measured, under load: collected first, slowest first (tests/conftest.py)

SHOTS = OUTPUT / "journey"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SKILL = "网络系统管理"

#: Two criteria, each judged by one judge: 甲 marks A, 乙 marks B (measurement, full or zero).
SCHEME = {
    "skill": SKILL,
    "parts": {"practical": "100"},
    "criteria": [
        {
            "id": "A",
            "name": "方案设计",
            "part": "practical",
            "mark": "40",
            "sub_criteria": [
                {
                    "id": "A1",
                    "name": "设计质量",
                    "aspects": [
                        {"id": "A1.1", "description": "拓扑设计", "kind": "M", "mode": "full_or_zero", "max_mark": "20"},
                        {"id": "A1.2", "description": "地址规划", "kind": "M", "mode": "full_or_zero", "max_mark": "20"},
                    ],
                }
            ],
        },
        {
            "id": "B",
            "name": "配置实施",
            "part": "practical",
            "mark": "60",
            "sub_criteria": [
                {
                    "id": "B1",
                    "name": "功能测试",
                    "aspects": [
                        {"id": "B1.1", "description": "路由连通", "kind": "M", "mode": "full_or_zero", "max_mark": "30"},
                        {"id": "B1.2", "description": "安全策略", "kind": "M", "mode": "full_or_zero", "max_mark": "30"},
                    ],
                }
            ],
        },
    ],
}

#: The contestants, their delegations and what they score (A1.1, A1.2, B1.1, B1.2): 100, 70, 50, 20, 0.
PEOPLE = [
    ("陈志强", "广州市", (20, 20, 30, 30)),
    ("李嘉欣", "深圳市", (20, 20, 30, 0)),
    ("黄俊杰", "佛山市", (20, 0, 30, 0)),
    ("梁慧敏", "东莞市", (20, 0, 0, 0)),
    ("周文轩", "珠海市", (0, 0, 0, 0)),
]
HEADERS = ["姓名", "身份证号", "竞赛项目", "组别", "工作单位/学校", "代表队", "现职业技能等级", "等级证书编号", "手机号"]
#: The judges: name, delegation (none shares one with a contestant), employer, role, criteria.
JUDGES = [
    ("刘晓峰", "惠州市", "惠州学院", "chief_judge", ""),
    ("甲裁判", "中山市", "中山市技师学院", "judge", "A"),
    ("乙裁判", "江门市", "江门职业技术学院", "judge", "B"),
]


def id_number(i: int) -> str:
    return make_id("440106", dt.date(1998, 3, 1) + dt.timedelta(days=37 * i), 40 + i, "MF"[i % 2])


def registration_workbook() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for i, (name, city, _) in enumerate(PEOPLE):
        ws.append([name, id_number(i), SKILL, "职工组", f"{city}网络科技有限公司", city, "中级工", f"Z2026{i:04d}", f"1380013{i:04d}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | params
    return urlunsplit(parts._replace(query=urlencode(query)))


class Journey:
    """The run's screenshots (numbered in step order) and its check of every page in both languages."""

    def __init__(self, browser, base: str) -> None:
        self.browser = browser
        self.base = base
        self.n = 0
        self.contexts: list = []
        self.errors: list[str] = []
        self.raw: dict[str, list[str]] = {}
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    async def person(self, *, viewport=(1280, 860), **kw):
        """A new person at their own browser (a context of its own), in Chinese."""
        ctx = await self.browser.new_context(locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]}, **kw)
        self.contexts.append(ctx)
        page = await ctx.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("dialog", lambda d: d.accept())  # the browser's own confirm(), where a page still asks with it
        return page

    async def shot(self, page, name: str) -> None:
        """Screenshot the page as it is (Chinese), then read it for raw keys in Chinese and in English."""
        self.n += 1
        label = f"{self.n:02d}-{name}"
        await page.wait_for_load_state("load")
        # The last step's note (a toast) has gone, faded out too.
        await page.wait_for_function("() => { const t = document.querySelector('#toast'); return !t || getComputedStyle(t).opacity === '0'; }")
        await page.screenshot(path=str(SHOTS / f"{label}.png"), full_page=True)
        found = await page_raw_keys(page)
        # The same address in English, in another tab of the same browser (a GET: nothing changes).
        en = await page.context.new_page()
        en.on("pageerror", lambda exc: self.errors.append(f"{en.url}: {exc}"))
        try:
            answer = await en.goto(with_query(page.url, lang="en"), wait_until="load")
            assert answer is None or answer.ok, f"{label}: {page.url} in English answered {answer.status}"
            try:
                await en.wait_for_load_state("networkidle", timeout=5000)
            except PlaywrightTimeout:  # a page with a live socket keeps the network busy: what is rendered by now counts
                pass
            if await en.evaluate("document.documentElement.lang") != "en":
                found.append(f"en: {en.url} is not in English")
            found += [f"en:{k}" for k in await page_raw_keys(en)]
        finally:
            await en.close()
        if found:
            self.raw[label] = found

    async def close(self) -> None:
        for ctx in self.contexts:
            await ctx.close()


async def login(page, base: str, username: str, password: str) -> None:
    await page.goto(base + "/login")
    await page.fill("#login-form [name=username]", username)
    await page.fill("#login-form [name=password]", password)
    await page.click("#login-form [type=submit]")
    await page.wait_for_url(base + "/")


async def api(page, method: str, path: str, **kw):
    """A request with the page's session (its context's cookies) and the CSRF header, as app.js sends it."""
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    headers = {"X-CSRFToken": cookies.get("csrftoken", ""), "Accept": "application/json", **kw.pop("headers", {})}
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    answer = await page.request.fetch(origin + path, method=method, headers=headers, **kw)
    assert answer.ok, f"{method} {path}: {answer.status} {await answer.text()}"
    return await answer.json()


async def open_details(page, summary: str) -> None:
    details = page.locator("details", has=page.locator(f"summary:has-text('{summary}')")).first
    if await details.get_attribute("open") is None:
        await details.locator("summary").click()


async def click_through(page, target, then: str, code: str, timeout: float = 30_000) -> bool:
    """Click an irreversible step's button and wait for ``then`` (a selector of what follows).
    Such a step asks first (``data-confirm``: the confirmation dialog, ``#confirm-dialog``; with
    ``data-confirm-code`` the event code typed, as the organiser would type it): the dialog is
    answered. Returns whether it asked."""
    await (page.locator(target) if isinstance(target, str) else target).click()
    await page.wait_for_selector(f"#confirm-dialog[open], {then}", timeout=timeout)
    dialog = page.locator("#confirm-dialog[open]")
    asked = bool(await dialog.count())
    if asked:
        wanted = await dialog.get_attribute("data-code")
        if wanted:
            assert wanted == code, f"the dialog asks for {wanted!r}, not the event code {code!r}"
            await dialog.locator("[data-confirm-code-input]").fill(code)
        await dialog.locator("[data-confirm-ok]").click()
        await dialog.wait_for(state="hidden")
    await page.wait_for_selector(then, timeout=timeout)
    return asked


async def test_a_new_event_from_an_empty_database_to_verified_certificates(browser, tmp_path):
    server = start_server(migrated_env(tmp_path, f"sqlite:///{tmp_path / 'journey.sqlite3'}"), "journey")
    base = server.base_url
    j = Journey(browser, base)
    try:
        await journey(j, base)
        assert not j.raw, f"message keys shown raw: {json.dumps(j.raw, ensure_ascii=False, indent=1)}"
        assert not j.errors, f"JavaScript errors: {j.errors}"
    finally:
        await j.close()
        server.stop()


async def journey(j: Journey, base: str) -> None:  # noqa: C901  (one story, told in order)
    # ---- The administrator: an empty system; a new event and its skill.
    desk = await j.person()
    await desk.goto(base + "/")  # the public home page, for visitors
    await j.shot(desk, "home")
    await desk.click("header a[href='/login']")
    await desk.wait_for_url(re.compile(r".*/login"))
    await j.shot(desk, "login")
    await desk.fill("#login-form [name=username]", "admin")
    await desk.fill("#login-form [name=password]", ADMIN_PASSWORD)
    await desk.click("#login-form [type=submit]")
    await desk.wait_for_url(base + "/")
    await desk.wait_for_selector("text=还没有赛事")
    await desk.click("text=新建赛事")
    await desk.wait_for_url(base + "/events/new")
    code = "GDJN5"  # the event's code: certificate numbers read GD<year>-GDJN5-…
    await desk.fill("[name=name]", "第五届广东省职业技能大赛")
    await desk.fill("[name=code]", code)
    await desk.select_option("[name=tier]", "provincial")
    await desk.select_option("[name=tier_class]", "class2")
    await desk.fill("[name=starts_on]", "2026-12-08")
    await desk.fill("[name=ends_on]", "2026-12-10")
    await desk.fill("[name=venue]", "广州")
    await desk.fill("[name=host]", "广东省人力资源和社会保障厅")
    await j.shot(desk, "event-new")
    await desk.click("#event-form [type=submit]")
    await desk.wait_for_selector("h1:has-text('第五届广东省职业技能大赛')")
    eid = int(re.search(r"/events/(\d+)", desk.url).group(1))
    await open_details(desk, "添加竞赛项目")
    await desk.fill("details [name=name]", SKILL)
    await desk.fill("details [name=occupation_code]", "4-04-04-01")
    await desk.uncheck("details [name=groups][value=student]")
    await desk.click("details [type=submit]")
    await desk.wait_for_selector(f"td:has-text('{SKILL}')")
    skill = (await api(desk, "GET", f"/api/events/{eid}/skills"))[0]
    sid, gid = skill["id"], skill["groups"][0]["id"]
    await j.shot(desk, "event-skill")

    # ---- The event's people, appointed on its people page: each account's password is shown once.
    await desk.goto(f"{base}/events/{eid}")
    await desk.click(f"a[href='/events/{eid}/people']")
    await desk.wait_for_url(f"{base}/events/{eid}/people")
    people: dict[str, tuple[str, str]] = {}
    for role, name in [
        ("organiser", "赛事组织方 王敏"),
        ("encryption_officer", "加密员 赵磊"),
        ("arbitrator", "仲裁组 孙蕾"),
        ("approver", "审批人 何健"),
    ]:
        username = role.replace("_", "-") + "-gd2026"
        section = desk.locator(f"#section-{role}")
        await section.locator("summary").first.click()
        form = section.locator("form[data-appoint]")
        await form.locator("[name=display_name]").fill(name)
        await form.locator("[name=username]").fill(username)
        await form.locator("[type=submit]").click()
        await desk.wait_for_selector("#secret:not([hidden])")
        password = (await desk.inner_text("#secret [data-secret-value]")).strip()
        if role == "organiser":
            await j.shot(desk, "people-password")
        await desk.click("[data-secret-done]")
        await desk.wait_for_selector(f"#section-{role} tr:has-text('{name.split()[-1]}')")
        people[role] = (username, password)
    await j.shot(desk, "people")
    await desk.click("[data-logout]")
    await desk.wait_for_url(re.compile(r".*/login"))

    # ---- The organiser: the rules, the scheme, the registrations, the judges.
    await login(desk, base, *people["organiser"])
    await desk.click("text=第五届广东省职业技能大赛")
    await desk.wait_for_url(f"{base}/events/{eid}")
    # The rules, on the rules form: the award rules read in words, then (its advanced JSON view)
    # the notice and appeal windows of this test's event (no notice, an appeal window of 72 s: the
    # appeal is filed at once after publication), back to the form, the preview read, saved.
    await desk.click(f"a[href='/events/{eid}/rules']")
    await desk.wait_for_url(f"{base}/events/{eid}/rules")
    assert await desk.locator("[data-path='awards.params.ratio'] input").input_value() == "1:2:3"
    await desk.wait_for_selector("#preview-out .preview-table")
    assert "样例" in await desk.inner_text("#preview-out")  # no ranking yet: a sample one, with a tie
    await j.shot(desk, "rules")
    await desk.click("#toggle-json")
    await desk.fill("#rules-json", json.dumps({"results": {"notice_hours": 0, "appeal_window_hours": 0.02}}))
    await desk.click("#toggle-json")
    await desk.wait_for_selector("#form-view:not([hidden])")
    await desk.click("#preview-button")
    await desk.wait_for_selector("#preview-out .preview-table")
    await desk.click("#save-button")
    await desk.wait_for_selector("#toast.show")
    effective = (await api(desk, "GET", f"/api/events/{eid}/preset"))["effective"]
    assert effective["results"]["appeal_window_hours"] in (0.02, "0.02"), effective["results"]
    await j.shot(desk, "rules-saved")

    # The marking scheme, on the skill's scheme page: the workbook uploaded, checked and saved, then
    # one aspect's wording edited in the on-screen editor.
    await desk.goto(f"{base}/events/{eid}")
    await desk.click(f"[data-scheme-skill='{sid}'] a")
    await desk.wait_for_url(f"{base}/events/{eid}/skills/{sid}/scheme")
    book = write_scheme_xlsx(scheme_from_dict(SCHEME))
    await desk.set_input_files("#scheme-upload [name=file]", files=[{"name": "评分标准.xlsx", "mimeType": XLSX, "buffer": book}])
    await desk.click("#scheme-upload button[value=check]")
    await desk.wait_for_selector("#scheme-report-status.ok")
    await j.shot(desk, "scheme-check")
    await desk.click("#scheme-upload-save")
    await desk.wait_for_selector("#scheme-export")  # the page reloads with the stored scheme
    await desk.fill('[data-path="0.0.0.description"]', "拓扑设计合理、冗余充分")
    await desk.click("#scheme-save")
    await desk.wait_for_selector("#confirm-dialog[open], #scheme-saved")
    if await desk.locator("#confirm-dialog[open]").count():  # saving replaces the stored scheme: asked first
        await desk.locator("#confirm-dialog [data-confirm-ok]").click()
    await desk.wait_for_selector("#scheme-saved")
    await j.shot(desk, "scheme")
    scheme = (await api(desk, "GET", f"/api/events/{eid}/skills/{sid}/scheme"))["scheme"]
    assert scheme["criteria"][0]["sub_criteria"][0]["aspects"][0]["description"] == "拓扑设计合理、冗余充分"

    # The registrations: a workbook checked, then imported.
    await desk.goto(f"{base}/events/{eid}")
    await desk.click(f"a[href='/events/{eid}/contestants']")
    await desk.wait_for_url(f"{base}/events/{eid}/contestants")
    await desk.goto(f"{base}/events/{eid}/contestants/import")
    await desk.set_input_files("[name=file]", files=[{"name": "报名表.xlsx", "mimeType": XLSX, "buffer": registration_workbook()}])
    await desk.click("button[value=check]")
    await desk.wait_for_selector("button[value=all]:not([hidden])")
    await desk.click("button[value=all]")
    await desk.wait_for_selector(f"#import-stored.ok:has-text('新增 {len(PEOPLE)}')")
    await j.shot(desk, "import")
    await desk.goto(f"{base}/events/{eid}/contestants")
    text = await desk.inner_text("#contestants")
    assert all(name in text for name, _, _ in PEOPLE)
    await j.shot(desk, "contestants")

    # The judges: into the registry, onto the skill's panel, and their login cards.
    await desk.goto(f"{base}/events/{eid}/judges")
    for name, city, employer, _, _ in JUDGES:
        await open_details(desk, "添加裁判")
        await desk.fill("#judge-form [name=name]", name)
        await desk.fill("#judge-form [name=employer]", employer)
        await desk.fill("#judge-form [name=delegation]", city)
        await desk.click("#judge-form [type=submit]")
        await desk.wait_for_selector(f"#judges-table td:has-text('{name}')")
    await j.shot(desk, "judges")
    await desk.click(f"[data-skill-panel='{sid}'] a.primary")
    await desk.wait_for_url(f"{base}/events/{eid}/judges/skills/{sid}")
    for name, city, employer, role, criteria in JUDGES:
        await open_details(desk, "分配到本项目")
        await desk.select_option("#assign-form [name=judge_id]", label=f"{name} · {city} · {employer}")
        await desk.select_option("#assign-form [name=role]", role)
        await desk.fill("#assign-form [name=criteria]", criteria)
        await desk.click("#assign-form [type=submit]")
        await desk.wait_for_selector(f"#panel-table tr:has-text('{name}')")
    await desk.wait_for_selector("h2:has-text('裁判长：刘晓峰')")
    await j.shot(desk, "panel")
    await desk.goto(f"{base}/events/{eid}/judges/cards?skill_id={sid}")
    await desk.evaluate("window.print = () => {}")
    await desk.click("#cards-form [type=submit]")
    await desk.wait_for_selector("#cards .login-card .code")
    codes = {}
    for name, *_ in JUDGES:
        codes[name] = (await desk.locator(".login-card", has=desk.locator(f".who:text-is('{name}')")).locator(".code").inner_text()).strip()
    await j.shot(desk, "login-cards")

    # ---- Competition day: check-in, the draw.
    await desk.goto(f"{base}/events/{eid}")
    await desk.click("text=检录")
    await desk.wait_for_selector("[data-checkin][data-ready]")
    listed = {name: await desk.get_attribute(f".person:has-text('{name}')", "data-id") for name, _, _ in PEOPLE}
    for i, (name, _, _) in enumerate(PEOPLE):
        person = desk.locator(f".person[data-id='{listed[name]}']")
        await desk.fill("[data-checkin-search]", name)
        await person.locator("[data-open]").click()
        await person.locator("[name=id_number]").fill(id_number(i))
        await person.locator("button.present").click()
        await person.locator(".badge.present").wait_for()
    await desk.fill("[data-checkin-search]", "")
    assert await desk.inner_text("[data-count=present]") == str(len(PEOPLE))
    await j.shot(desk, "checkin")
    await desk.goto(f"{base}/events/{eid}/draw")
    assert await click_through(desk, "#draw-form [type=submit]", "#draw-result", code)
    drawn = await desk.inner_text("#draw-result")
    assert all(name in drawn for name, _, _ in PEOPLE)
    await j.shot(desk, "draw")

    # ---- The encryption officer: round 1.
    officer = await j.person()
    await login(officer, base, *people["encryption_officer"])
    await officer.goto(f"{base}/events/{eid}")
    await officer.click("text=加密与解密")
    assert await click_through(officer, "#round1-form [type=submit]", "#mapping td.no:has-text('A')", code)
    await j.shot(officer, "encryption")
    # The officer's own record of who is who (the judges never see it).
    refs = {}
    for row in await officer.locator("#mapping tbody tr").all():
        cells = await row.locator("td").all_inner_texts()
        refs[cells[5].strip()] = cells[0].strip()
    assert set(refs) == {name for name, _, _ in PEOPLE}

    # ---- Two judges, two tablets: 甲 marks criterion A, 乙 criterion B.
    chief = await j.person()
    await chief.goto(f"{base}/login?code={codes['刘晓峰']}&next=/events/{eid}/skills/{sid}/console")
    await chief.wait_for_url(f"{base}/events/{eid}/skills/{sid}/console")
    await chief.wait_for_selector("#console-status[data-state=live]")
    tablets = {}
    for name, aspects in [("甲裁判", ("A1.1", "A1.2")), ("乙裁判", ("B1.1", "B1.2"))]:
        tablet = await j.person(viewport=(1180, 820))  # a 11" tablet, landscape
        await tablet.goto(f"{base}/login?code={codes[name]}&next=/tablet")
        await tablet.wait_for_url(base + "/tablet")
        await tablet.wait_for_selector("#tablet-status[data-conn='online']")
        text = await tablet.inner_text("main")
        assert all(ref in text for ref in refs.values()) and not any(n in text for n, _, _ in PEOPLE)
        tablets[name] = (tablet, aspects)
    column = {"A1.1": 0, "A1.2": 1, "B1.1": 2, "B1.2": 3}
    for number, (judge, (tablet, aspects)) in enumerate(tablets.items()):
        for person, _, values in PEOPLE:
            await tablet.click(f"[data-contestant='{refs[person]}']")
            await tablet.wait_for_selector(f".aspects-head[data-current='{refs[person]}']")
            for aspect in aspects:
                value = values[column[aspect]]
                await tablet.click(f".aspect[data-aspect='{aspect}'] .choice[data-value='{value}']")
                await tablet.wait_for_selector(
                    f".aspect[data-aspect='{aspect}'][data-state='saved'] .choice[data-value='{value}'][aria-pressed='true']"
                )
            if person == PEOPLE[1][0]:
                await j.shot(tablet, f"tablet-{'ab'[number]}")
        await tablet.wait_for_selector("#tablet-status[data-queued='0']")

    # ---- The chief judge: every mark in, criteria locked, the scores signed off.
    await chief.wait_for_function("() => document.querySelector('#progress tr[data-aspect=\"B1.2\"] [data-progress]')?.textContent === '5/5'")
    await j.shot(chief, "console")
    # Submitting before the criteria are locked is refused: the panel lists what is left, and the
    # server answers with it unless the chief judge gives a reason.
    await chief.reload()
    await chief.wait_for_selector("#completeness[data-complete=false]")
    assert "未锁定" in await chief.inner_text("#completeness")
    await chief.click("#submit-scores")
    await chief.locator("#confirm-dialog[open] [data-confirm-ok]").click()
    await chief.wait_for_selector("#signoff-form [data-form-error]:has-text('理由')")
    await j.shot(chief, "signoff-refused")
    for criterion in ("A", "B"):
        await chief.click(f"[data-lock='{criterion}']")
        await chief.wait_for_selector(f"#locks tr[data-criterion='{criterion}'].locked")
    await chief.reload()
    await chief.wait_for_selector("#completeness[data-complete=true]")
    assert await click_through(chief, "#submit-scores", "#recheck-scores", code)
    assert await click_through(chief, "#recheck-scores", "#signoff:not(:has(#recheck-scores)) p:has-text('复核')", code)
    await j.shot(chief, "signed-off")

    # ---- The officer decrypts.
    await officer.reload()
    await officer.fill("#decrypt-form [name=note]", "监督员 钱芳 在场")
    assert await click_through(officer, "#decrypt-form [type=submit]", "section:has(> h2) p:has-text('解密'):has-text('监督员 钱芳')", code)
    await j.shot(officer, "decrypted")

    # ---- The organiser publishes the provisional results and records an appeal.
    await desk.goto(f"{base}/events/{eid}")
    await desk.click(f"a[href='/events/{eid}/results']")
    row = desk.locator(f"#results-overview tr[data-group='{gid}']")
    assert await click_through(
        desk, row.locator("button:has-text('公布暂定成绩')"), f"#results-overview tr[data-group='{gid}'] button:has-text('确定最终成绩')", code
    )
    await j.shot(desk, "published")
    release = (await api(desk, "GET", f"/api/events/{eid}/skills/{sid}/groups/{gid}/results"))["release"]
    await desk.goto(f"{base}/events/{eid}/appeals")
    form = desk.locator(f"[data-open-release='{gid}'] form")
    await form.locator("[name=filed_by_name]").fill("东莞市代表队领队 吴刚")
    whom = await form.locator("[name=contestant_id] option", has_text="梁慧敏").get_attribute("value")
    await form.locator("[name=contestant_id]").select_option(whom)
    await form.locator("[name=text]").fill("A1.2 地址规划已按要求完成，请复核")
    await form.locator("[type=submit]").click()
    await desk.wait_for_selector("[data-appeal][data-status=pending]:has-text('吴刚')")
    await j.shot(desk, "appeal-filed")
    public = await j.person()
    await public.goto(f"{base}/results/{eid}/skills/{sid}")
    await public.wait_for_selector(f"#group-{gid}[data-stage=provisional]")
    assert "陈志强" in await public.inner_text(f"#group-{gid}")
    await j.shot(public, "public-provisional")

    # ---- The arbitrator decides: dismissed, with the reason.
    arbitrator = await j.person()
    await login(arbitrator, base, *people["arbitrator"])
    await arbitrator.goto(f"{base}/events/{eid}/appeals")
    decide = arbitrator.locator("form[data-decide]")
    await decide.locator("[name=outcome][value=dismissed]").check()
    await decide.locator("[name=reason]").fill("复核评分记录与现场录像，A1.2 未达到要求，维持原评分")
    assert await click_through(arbitrator, decide.locator("[type=submit]"), "[data-appeal][data-status=dismissed]", code)
    await j.shot(arbitrator, "appeal-decided")

    # ---- The organiser makes the results final once the appeal window is over.
    await wait_until(release["appeal_ends_at"])
    await desk.goto(f"{base}/events/{eid}/results/skills/{sid}/groups/{gid}")
    assert await click_through(desk, "button:has-text('确定最终成绩')", "[data-step=final][data-done=yes]", code)
    await j.shot(desk, "final")

    # ---- The approver approves the awards and honours.
    approver = await j.person()
    await login(approver, base, *people["approver"])
    await approver.goto(f"{base}/events/{eid}/proposals")
    assert await click_through(approver, "#approve-form [type=submit]", "tr[data-proposal] .tag:has-text('已审批')", code)
    await j.shot(approver, "approved")

    # ---- The organiser issues the certificates.
    await desk.goto(f"{base}/events/{eid}")
    await desk.click(f"a[href='/events/{eid}/certificates']")
    await desk.wait_for_selector("[data-plan-summary]")
    assert await click_through(desk, "[data-issue]", "#certificates tr[data-number]", code, timeout=180_000)
    await desk.wait_for_function("!document.querySelector('#certificates .muted')", timeout=180_000)  # every PDF written
    await j.shot(desk, "issued")
    row = desk.locator("#certificates tr", has_text="陈志强").filter(has_text="获奖证书")
    number = (await row.locator("td.num").inner_text()).strip()
    assert re.fullmatch(rf"GD\d{{4}}-{code}-A-\d{{6}}-[0-9A-Z]", number), number

    # ---- A contestant: their certificate verified by its number, then downloaded.
    # ---- A contestant finds their results and certificate by name and ID number (no number needed).
    await public.goto(f"{base}/")
    await public.click("[data-lookup-link]")
    await public.wait_for_url(f"{base}/lookup")
    await public.fill("#lookup-form [name=name]", "陈志强")
    await public.fill("#lookup-form [name=id_number]", id_number(0))
    await public.click("#lookup-form [type=submit]")
    await public.wait_for_selector("#lookup-result [data-entry]")
    found = await public.inner_text("#lookup-result")
    assert number in found and id_number(0) not in found, found
    await j.shot(public, "lookup")
    # And verifies it by its number, then downloads it.
    await public.goto(f"{base}/verify")
    await public.fill("#verify-form [name=number]", number)
    await public.click("#verify-form [type=submit]")
    await public.wait_for_selector("#verify-result[data-status=genuine]")
    assert await public.inner_text("[data-field=holder]") == "陈*强"
    await j.shot(public, "verified")
    await public.goto(f"{base}/certificates/{number}")
    await public.fill("#download-form [name=id6]", id_number(0)[-6:])
    async with public.expect_download() as info:
        await public.click("#download-form [type=submit]")
    download = await info.value
    await download.save_as(str(SHOTS / "certificate.pdf"))
    assert (SHOTS / "certificate.pdf").read_bytes()[:4] == b"%PDF"
    await j.shot(public, "certificate")
