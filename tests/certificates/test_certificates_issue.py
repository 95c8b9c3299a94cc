"""Issuing certificates, in-process on a database this module owns (see ``certificates_world``):
what the rules issue, numbering, idempotence, resuming after a crash, concurrent issuers, the PDF's
text, font and QR code, honours held once, and the promotion ledger across events."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter

import pytest
from certificates_world import ACTOR, BASE_URL, OwnDatabase, build_world, expected_counts, propose, register
from harness import run_cli
from pypdf import PdfReader


@pytest.fixture(scope="module")
async def own(tmp_path_factory):
    async with OwnDatabase(tmp_path_factory.mktemp("cert-own")) as db:
        yield db


@pytest.fixture(scope="module")
async def issued(own):
    """One world, issued and rendered once; tests below only read it (or add to it where said)."""
    from certificates import issuance

    world = await build_world()
    result = await issuance.issue(world.event["id"], ACTOR, own.settings, render="now")
    return world, result


async def _certs(event_id: int) -> list[dict]:
    from certificates.tables import Certificate

    return await Certificate.select().where(Certificate.event == event_id).order_by(Certificate.number).output(load_json=True)


def _by(certs, name, kind):
    found = [c for c in certs if c["holder_name"] == name and c["cert_type"] == kind]
    assert len(found) <= 1
    return found[0] if found else None


async def test_issues_what_the_approved_proposals_say(issued):
    from certificates.numbering import parse_number
    from certificates.tables import HonourHeld, IssuanceBatch

    world, result = issued
    certs = await _certs(world.event["id"])
    assert Counter(c["cert_type"] for c in certs) == expected_counts()
    assert result["issued"] == len(certs) and result["existing"] == 0
    assert result["skipped"] == {"already_held": 1, "no_change": 1}
    assert result["batch"]["status"] == "finished" and result["batch"]["done"] == result["batch"]["total"] == len(certs)

    # Not approved → nothing; struck honour → no honour; already held → no honour; no_change → no promotion.
    assert not [c for c in certs if c["holder_name"] == "刘德华"]
    assert _by(certs, "陈志强", "honour") is None and _by(certs, "陈志强", "promotion") is not None
    assert _by(certs, "李嘉欣", "honour") is None and _by(certs, "李嘉欣", "promotion") is None
    assert _by(certs, "李嘉欣", "award")["code"] == "second"

    # Numbers: the documented format, this event's code, one sequence per type from 1 in results order.
    code = world.event["code"]
    for kind, letter in (("award", "A"), ("honour", "H"), ("promotion", "P")):
        seqs = []
        for c in certs:
            if c["cert_type"] == kind:
                n = parse_number(c["number"])
                assert n.event_code == code and n.cert_type.value == letter and str(n) == c["number"]
                seqs.append(n.seq)
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    first_award = _by(certs, "张晓明", "award")["number"]
    assert parse_number(first_award).seq == 1  # rank 1 of the first group comes first

    held = await HonourHeld.select().where(HonourHeld.event == world.event["id"])
    assert sorted((h["name"], h["honour"]) for h in held) == [("张晓明", "guangdong_technical_expert"), ("欧阳建华", "guangdong_technical_expert")]
    assert {h["certificate_number"] for h in held} == {_by(certs, n, "honour")["number"] for n in ("张晓明", "欧阳建华")}
    # Files written and recorded.
    for c in certs:
        assert c["file"] == f"certificates/{world.event['id']}/{c['number']}.pdf"
    batches = await IssuanceBatch.select().where(IssuanceBatch.event == world.event["id"])
    assert [b["status"] for b in batches] == ["finished"]


async def test_issuance_is_audited(issued):
    from kernel.tables import AuditLog

    world, result = issued
    rows = await AuditLog.select().where(AuditLog.event_id == world.event["id"]).order_by(AuditLog.seq).output(load_json=True)
    actions = [r["action"] for r in rows if r["action"].startswith("certificate.")]
    assert actions[:3] == ["certificate.batch.start", "certificate.issue", "certificate.batch.finished"]
    issue = next(r for r in rows if r["action"] == "certificate.issue")
    assert sorted(issue["details"]["numbers"]) == sorted(result["numbers"])


async def test_promotions_go_into_the_ledger(issued):
    from certificates.tables import PromotionLedger

    world, _ = issued
    certs = await _certs(world.event["id"])
    rows = {r["name"]: r for r in await PromotionLedger.select().where(PromotionLedger.event == world.event["id"])}
    assert set(rows) == {"张晓明", "欧阳建华", "陈志强", "黄俊杰", "周子涵", "吴思远"}
    z = rows["张晓明"]
    assert (z["from_level"], z["to_level"]) == (3, 4) and z["id_number"] == world.contestants["张晓明"]["id_number"]
    assert z["occupation"] == "电工" and z["occupation_code"] == "6-31-01-03" and z["rule"] == "award_to_technician"
    assert z["basis"] == "第三届广东省职业技能大赛 电工 职工组 第1名 一等奖"
    assert z["approved_by"] == world.approver_id and z["approved_at"] is not None
    assert z["certificate_number"] == _by(certs, "张晓明", "promotion")["number"]
    assert (rows["欧阳建华"]["from_level"], rows["欧阳建华"]["to_level"]) == (4, 5)  # already 技师 → 高级技师
    assert (rows["吴思远"]["from_level"], rows["吴思远"]["to_level"]) == (0, 3)


async def test_issuing_again_gives_the_same_certificates(issued, own):
    from certificates import issuance
    from certificates.tables import CertificateCounter, PromotionLedger

    world, first = issued
    before = {c["number"]: c["contestant"] for c in await _certs(world.event["id"])}
    counters = await CertificateCounter.select().where(CertificateCounter.event == world.event["id"])
    again = await issuance.issue(world.event["id"], ACTOR, own.settings, render="now")
    assert again["issued"] == 0 and again["existing"] == len(before) and again["numbers"] == []
    assert again["batch"]["total"] == 0 and again["batch"]["status"] == "finished"
    assert {c["number"]: c["contestant"] for c in await _certs(world.event["id"])} == before
    assert await CertificateCounter.select().where(CertificateCounter.event == world.event["id"]) == counters
    assert {c["next_seq"] for c in counters if c["cert_type"] == "award"} == {9}
    assert await PromotionLedger.count().where(PromotionLedger.event == world.event["id"]) == 6


async def test_pdf_holds_the_chinese_text_in_an_embedded_cjk_font(issued, own):
    world, _ = issued
    certs = await _certs(world.event["id"])

    def text_and_fonts(cert):
        reader = PdfReader(own.data_dir / cert["file"])
        assert len(reader.pages) == 1
        page = reader.pages[0]
        fonts = []
        for key, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f"{key} not embedded"
            fonts.append(str(font["/BaseFont"]))
        return re.sub(r"\s+", "", page.extract_text()), fonts

    text, fonts = text_and_fonts(_by(certs, "张晓明", "award"))
    for expected in (
        "获奖证书",
        "张晓明",
        "第三届广东省职业技能大赛",
        "电工",
        "职工组",
        "一等奖",
        "广东省人力资源和社会保障厅",
        _by(certs, "张晓明", "award")["number"],
    ):
        assert expected in text, expected
    assert any("CJK" in f or "Noto" in f for f in fonts), fonts
    assert all(re.match(r"/[A-Z]{6}\+", f) for f in fonts), f"fonts should be subsets: {fonts}"
    assert world.contestants["张晓明"]["id_number"] not in text  # the printed ID number is masked

    text, _ = text_and_fonts(_by(certs, "欧阳建华", "honour"))
    assert "荣誉证书" in text and "欧阳建华" in text and "广东省技术能手" in text
    text, _ = text_and_fonts(_by(certs, "张晓明", "promotion"))
    assert "职业技能等级证书" in text and "高级工（三级）" in text and "技师（二级）" in text and "6-31-01-03" in text
    text, _ = text_and_fonts(_by(certs, "吴思远", "promotion"))
    assert "无" in text and "高级工（三级）" in text  # held no level before


async def test_qr_code_opens_the_verification_url(issued, own):
    world, _ = issued
    cert = _by(await _certs(world.event["id"]), "张晓明", "award")
    url = f"{BASE_URL}/verify/{cert['number']}"
    assert cert["data"]["verify_url"] == url
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("pdftoppm or zbarimg not installed: the stored URL is checked, the printed code is not")
    png = own.data_dir / "qr.png"
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(own.data_dir / cert["file"]), str(png.with_suffix(""))], check=True)
    out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, check=True).stdout.split()
    assert out == [url]


async def test_resuming_after_an_interruption_neither_loses_nor_repeats_numbers(own):
    from certificates import issuance
    from certificates.tables import Certificate, CertificateCounter, IssuanceBatch

    world = await build_world()
    e = world.event["id"]
    crashed = await issuance.issue(e, ACTOR, own.settings, render="none")  # stopped after allocating
    rows = await _certs(e)
    assert len(rows) == crashed["issued"] == sum(expected_counts().values())
    assert all(r["file"] == "" for r in rows)
    # A few PDFs got written before the crash.
    await issuance.render_rows(rows[:3], own.settings)
    numbers = sorted(r["number"] for r in rows)
    counters = sorted((c["cert_type"], c["next_seq"]) for c in await CertificateCounter.select().where(CertificateCounter.event == e))

    resumed = await issuance.issue(e, ACTOR, own.settings, render="now")
    assert resumed["issued"] == 0 and resumed["batch"]["total"] == len(rows) - 3 and resumed["batch"]["status"] == "finished"
    after = await _certs(e)
    assert sorted(r["number"] for r in after) == numbers
    assert all((own.data_dir / r["file"]).is_file() for r in after)
    assert sorted((c["cert_type"], c["next_seq"]) for c in await CertificateCounter.select().where(CertificateCounter.event == e)) == counters
    statuses = [(b["status"], b["error"]) for b in await IssuanceBatch.select().where(IssuanceBatch.event == e).order_by(IssuanceBatch.id)]
    assert statuses[0][0] == "failed" and "interrupted" in statuses[0][1] and statuses[1] == ("finished", "")
    # A download before the batch got to it renders that one PDF at once.
    from certificates import issuance

    late = [r for r in await _certs(e)][-1]
    (own.data_dir / late["file"]).unlink()
    path = await issuance.ensure_pdf(late, own.settings)
    assert path.is_file() and path.name == f"{late['number']}.pdf"
    # A deleted file is rendered again, identically numbered.
    (own.data_dir / after[0]["file"]).unlink()
    again = await issuance.issue(e, ACTOR, own.settings, render="now")
    assert again["batch"]["total"] == 1 and (own.data_dir / after[0]["file"]).is_file()
    assert await Certificate.count().where(Certificate.event == e) == len(rows)


async def test_a_code_beginning_with_region_and_year_is_printed_once_and_old_numbers_still_verify(own):
    import datetime as dt
    import secrets

    from certificates import issuance, verify
    from certificates.numbering import check_char
    from certificates.tables import Certificate
    from kernel.i18n import CHINA_TZ

    head = f"GD{dt.datetime.now(CHINA_TZ).year}"
    code = head + secrets.token_hex(2).upper()
    world = await build_world(code=code)
    result = await issuance.issue(world.event["id"], ACTOR, own.settings, render="none")
    assert result["numbers"] and all(n.startswith(f"{code}-") and n.count(head) == 1 and len(n.split("-")) == 4 for n in result["numbers"])
    assert (await verify.lookup(result["numbers"][0]))["status"] == "genuine"
    # A certificate issued before the fix, in the form that repeated the code, stays verifiable.
    row = (await _certs(world.event["id"]))[0]
    body = f"{head}-{row['number'].rsplit('-', 1)[0]}"
    old = f"{body}-{check_char(body)}"
    await Certificate.update({Certificate.number: old}).where(Certificate.id == row["id"])
    answer = await verify.lookup(old.lower())
    assert answer["status"] == "genuine" and answer["number"] == old


async def test_concurrent_issuers_share_out_numbers_once(own):
    from certificates import issuance
    from certificates.tables import Certificate

    world = await build_world()
    e = world.event["id"]
    results = await asyncio.gather(*[issuance.issue(e, ACTOR, own.settings, render="none") for _ in range(5)])
    total = sum(expected_counts().values())
    assert sum(r["issued"] for r in results) == total
    issued_numbers = [n for r in results for n in r["numbers"]]
    assert len(issued_numbers) == len(set(issued_numbers)) == total
    rows = await Certificate.select(Certificate.number, Certificate.contestant, Certificate.cert_type, Certificate.code).where(Certificate.event == e)
    assert len(rows) == total
    assert len({r["number"] for r in rows}) == total
    assert len({(r["contestant"], r["cert_type"], r["code"]) for r in rows}) == total


async def test_an_event_code_that_cannot_be_numbered_is_refused(own):
    """Event codes are limited to what a certificate number can carry, when the event is created."""
    from kernel.errors import AppError

    with pytest.raises(AppError) as err:
        await build_world(code="LONGCODE" + "X" * 8)
    assert err.value.status_code == 422 and err.value.field == "code"


async def test_verification_answers(issued):
    from certificates import service, verify
    from certificates.numbering import format_number, parse_number
    from kernel.errors import AppError

    world, _ = issued
    certs = await _certs(world.event["id"])
    award = _by(certs, "欧阳建华", "award")
    ok = await verify.lookup(award["number"])
    assert ok["status"] == "genuine" and ok["valid"] is True
    assert ok["holder"] == "欧**华" and ok["what"] == "二等奖" and ok["type_label"] == "获奖证书"
    assert ok["event"] == "第三届广东省职业技能大赛" and ok["skill"] == "电工" and ok["group"] == "职工组"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", ok["issued_at_china"])
    assert world.contestants["欧阳建华"]["id_number"] not in str(ok) and "欧阳建华" not in str(ok)
    # Typed the way people type it from paper.
    typed = award["number"].lower().replace("-", "－")
    assert (await verify.lookup(typed))["status"] == "genuine"
    en = await verify.lookup(award["number"], "en")
    assert en["what"] == "Second prize" and en["message"] == "Genuine certificate"

    p = parse_number(award["number"])
    unknown = format_number(p.event_code, "A", 999, p.year)
    assert (await verify.lookup(unknown))["status"] == "unknown"
    typo = award["number"][:-1] + ("0" if award["number"][-1] != "0" else "1")
    bad = await verify.lookup(typo)
    assert bad["status"] == "malformed" and "校验位" in bad["message"]
    assert (await verify.lookup("hello"))["status"] == "malformed"
    with pytest.raises(AppError) as err:
        await verify.verify_or_raise(typo)
    assert err.value.status_code == 422 and err.value.field == "number" and "check character" in err.value.message("en")
    with pytest.raises(AppError) as err:
        await verify.verify_or_raise(unknown)
    assert err.value.status_code == 404

    promo = await verify.lookup(_by(certs, "欧阳建华", "promotion")["number"])
    assert promo["level"] == "高级技师（一级）" and promo["occupation"] == "电工" and promo["occupation_code"] == "6-31-01-03"
    assert "level_from" not in promo  # a national query shows the level held, not the one before

    # Revocation needs a reason, happens once, and shows.
    third = _by(certs, "王丽", "award")
    with pytest.raises(AppError) as err:
        await service.revoke(world.event["id"], third["number"], "  ", ACTOR)
    assert err.value.status_code == 422 and err.value.field == "reason"
    with pytest.raises(AppError) as err:
        await service.revoke(world.event["id"] + 999, third["number"], "x", ACTOR)
    assert err.value.status_code == 404
    await service.revoke(world.event["id"], third["number"], "成绩复核更正", ACTOR)
    gone = await verify.lookup(third["number"])
    assert gone["status"] == "revoked" and gone["valid"] is False and "revoke_reason" not in gone and gone["revoked_at_china"]
    with pytest.raises(AppError) as err:
        await service.revoke(world.event["id"], third["number"], "again", ACTOR)
    assert err.value.status_code == 409


async def test_a_later_event_starts_from_the_promoted_level(issued, own):
    from certificates import issuance, ledger
    from competition.events import service as events
    from scoring.levels import SkillLevel

    world, _ = issued
    zhang = world.contestants["张晓明"]
    # Registered at 高级工 (3); this event promoted to 技师 (4).
    assert await ledger.current_level_for(zhang["id_number"], 3) == SkillLevel.TECHNICIAN
    assert await ledger.current_level_for(zhang["id_number"], "高级技师") == SkillLevel.SENIOR_TECHNICIAN  # never lowers
    assert await ledger.current_level_for("110101199001011237", None) is None
    assert await ledger.honours_held_for(zhang["id_number"]) == frozenset({"guangdong_technical_expert"})

    # The same event never promotes twice: a second promotion proposal for him is not issued.
    extra = await propose(world.event["id"], zhang | {"skill_id": world.skill["id"]}, "promotion", "高级技师", rank=1,
                          approver_id=world.approver_id, outcome="promoted", from_level=4, to_level=5)  # fmt: skip
    plan = await issuance.plan(world.event["id"], own.settings)
    assert next(i for i in plan["items"] if i["proposal_id"] == extra)["reason"] == "promoted_in_event"

    # A later event: he registers with the level on his paper certificate (高级工), wins again.
    later = await events.create_event({"name": "2027年广东省职业技能竞赛", "code": "L" + world.event["code"][1:], "tier": "provincial",
                                       "tier_class": "class1"}, ACTOR)  # fmt: skip
    skill = await events.create_skill(later["id"], {"name": "电工", "occupation_code": "6-31-01-03", "groups": ["employee"]}, ACTOR)
    again = await register(later["id"], skill, "employee", "张晓明", 3, id_number=zhang["id_number"])
    to_technician = await propose(later["id"], again, "promotion", "技师", rank=2, approver_id=world.approver_id, outcome="promoted",
                                  from_level=3, to_level=4)  # fmt: skip
    honour = await propose(later["id"], again, "honour", "guangdong_technical_expert", rank=2, approver_id=world.approver_id, outcome="granted")
    plan = await issuance.plan(later["id"], own.settings)
    reasons = {i["proposal_id"]: i["reason"] for i in plan["items"]}
    assert reasons[to_technician] == "already_at_level"  # already 技师 by the ledger
    assert reasons[honour] == "already_held"  # nobody receives the same honour twice

    # A rule granting 高级技师 promotes him from the ledger's 技师, not from the registered 高级工.
    await propose(later["id"], again, "promotion", "高级技师", rank=2, approver_id=world.approver_id,
                              outcome="promoted", from_level=3, to_level=5)  # fmt: skip
    result = await issuance.issue(later["id"], ACTOR, own.settings, render="none")
    assert result["issued"] == 1 and result["numbers"][0].split("-")[2] == "P"
    person = await ledger.person_ledger(zhang["id_number"].lower())
    steps = [(p["event_id"], p["from_level"], p["to_level"]) for p in person["promotions"]]
    assert steps == [(world.event["id"], 3, 4), (later["id"], 4, 5)]
    assert person["highest_level"] == 5 and person["highest_level_name"] == "高级技师（一级）"
    assert [h["honour"] for h in person["honours"]] == ["guangdong_technical_expert"]
    assert await ledger.current_level_for(zhang["id_number"], 3) == SkillLevel.SENIOR_TECHNICIAN

    # Revoking the later promotion: it no longer counts, and the export leaves it out.
    from certificates import service

    await service.revoke(later["id"], result["numbers"][0], "审批撤回", ACTOR)
    assert await ledger.current_level_for(zhang["id_number"], 3) == SkillLevel.TECHNICIAN
    assert await ledger.event_ledger(later["id"]) == []
    assert [e["revoked"] for e in await ledger.event_ledger(later["id"], include_revoked=True)] == [True]


async def test_a_revoked_honour_is_no_longer_held(issued):
    from certificates import ledger, service

    world, _ = issued
    ouyang = world.contestants["欧阳建华"]
    certs = await _certs(world.event["id"])
    await service.revoke(world.event["id"], _by(certs, "欧阳建华", "honour")["number"], "资格复核不符", ACTOR)
    assert await ledger.honours_held_for(ouyang["id_number"]) == frozenset()


async def test_ledger_export_columns(issued):
    from openpyxl import load_workbook

    from certificates import ledger

    world, _ = issued
    entries = await ledger.event_ledger(world.event["id"], masked=False)  # what the export writes
    wb = load_workbook(io.BytesIO(ledger.ledger_xlsx(entries)))
    ws = wb["晋级台账"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["身份证号", "姓名", "职业（工种）", "职业编码", "原等级", "晋升等级", "晋升依据", "赛事", "批准", "证书编号", "记录时间"]
    assert len(rows) == 1 + len(entries) == 7
    zhang = next(r for r in rows if r[1] == "张晓明")
    assert zhang[0] == world.contestants["张晓明"]["id_number"] and isinstance(zhang[0], str) and len(zhang[0]) == 18
    assert zhang[2:6] == ["电工", "6-31-01-03", "高级工（三级）", "技师（二级）"]
    assert zhang[6] == "第三届广东省职业技能大赛 电工 职工组 第1名 一等奖" and zhang[7] == "第三届广东省职业技能大赛"
    assert zhang[8].startswith("省人社厅审批员 ") and re.fullmatch(r"GD\d{4}-[A-Z0-9]+-P-\d{6}-[0-9A-Z]", zhang[9])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", zhang[10])
    wu = next(r for r in rows if r[1] == "吴思远")
    assert wu[4] == "无"
    assert ws["A2"].number_format == "@"


async def test_cli_killed_mid_render_resumes_without_duplicates(own):
    """``competition certificates issue`` is killed (SIGKILL) after its first rendered batch; run again."""
    from certificates.tables import Certificate, CertificateCounter

    world = await build_world()
    e = world.event["id"]
    env = own.env()
    # Issuing cannot be undone: without a terminal to type the event code into, and without --yes, it refuses.
    refused = subprocess.run(
        [sys.executable, "-m", "server", "certificates", "issue", "--event", str(e)],
        env=env, cwd=str(own.data_dir), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2 and "--yes" in refused.stderr and "cannot be undone" in refused.stdout, refused
    # At a terminal it asks for the event code; a wrong one issues nothing.
    master, slave = pty.openpty()
    try:
        os.write(master, b"NOT-THE-CODE\n")
        wrong = subprocess.run(
            [sys.executable, "-m", "server", "certificates", "issue", "--event", str(e)],
            env=env, cwd=str(own.data_dir), stdin=slave, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        os.close(slave)
        os.close(master)
    assert wrong.returncode == 2 and world.event["code"] in wrong.stdout and "not the event code" in wrong.stderr, wrong
    assert await Certificate.count().where(Certificate.event == e) == 0
    args = [sys.executable, "-m", "server", "certificates", "issue", "--event", str(e), "--batch-size", "2", "--yes"]
    proc = subprocess.Popen(args, env=env, cwd=str(own.data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed_at = None
    try:
        for line in proc.stdout:
            m = re.search(r"progress: (\d+)/(\d+)", line)
            if m and int(m.group(1)) >= 2:
                killed_at = int(m.group(1))
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        proc.wait(30)
    assert killed_at is not None and killed_at < sum(expected_counts().values()), "the CLI should have been stopped mid-way"
    rows = await Certificate.select(Certificate.number, Certificate.file).where(Certificate.event == e)
    numbers = sorted(r["number"] for r in rows)
    assert len(numbers) == sum(expected_counts().values())
    assert 2 <= sum(1 for r in rows if r["file"]) < len(rows)
    counters = await CertificateCounter.select(CertificateCounter.cert_type, CertificateCounter.next_seq).where(CertificateCounter.event == e)

    out = await asyncio.to_thread(run_cli, env, "certificates", "issue", "--event", str(e), "--yes")
    assert "newly issued 0" in out.stdout and "progress:" in out.stdout
    rows = await Certificate.select(Certificate.number, Certificate.file).where(Certificate.event == e)
    assert sorted(r["number"] for r in rows) == numbers
    assert all(r["file"] and (own.data_dir / r["file"]).is_file() for r in rows)
    assert await CertificateCounter.select(CertificateCounter.cert_type, CertificateCounter.next_seq).where(CertificateCounter.event == e) == counters
    status = await asyncio.to_thread(run_cli, env, "certificates", "status", "--event", str(e))
    assert "failed" in status.stdout and "finished" in status.stdout
    chain = await asyncio.to_thread(run_cli, env, "audit", "verify")
    assert "intact" in chain.stdout


async def test_certificates_carry_the_seal_they_were_issued_with(own):
    import io as _io

    from PIL import Image, ImageDraw

    from certificates import issuance, seal

    world = await build_world()
    e = world.event["id"]
    im = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    ImageDraw.Draw(im).ellipse([4, 4, 96, 96], outline=(200, 22, 30, 255), width=6)
    buf = _io.BytesIO()
    im.save(buf, "PNG")
    saved = await seal.save(e, buf.getvalue(), own.settings, ACTOR)
    await issuance.issue(e, ACTOR, own.settings, render="now")
    rows = await _certs(e)
    assert rows and all(r["data"]["seal"] == saved["seal"] for r in rows)
    data = issuance.certificate_data(rows[0], own.settings)
    assert data.seal_image and data.seal_image.startswith("data:image/png;base64,")
    pdf = (own.data_dir / rows[0]["file"]).read_bytes()
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf, "the seal is printed"
