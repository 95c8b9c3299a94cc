"""Demo registrations: 132 contestants over the demo event's three skills and two groups (and the delegations' registration window),
loaded through the same whole-sheet validation and bulk store as a real import."""

from __future__ import annotations

import datetime as dt
import random

from competition.registration import service, sheet
from competition.registration.tables import Contestant
from kernel import audit
from kernel.db import write_transaction
from scoring.idcard import make_id

SURNAMES = "陈李黄张梁刘林吴何罗郑谢杨邓许冯曾蔡彭苏卢叶钟潘徐"
GIVEN = ["伟", "敏", "俊杰", "嘉欣", "志强", "晓燕", "浩然", "思琪", "建华", "丽娟", "子轩", "雨桐", "国栋", "海燕", "文斌",
         "佳怡", "家豪", "慧敏", "振宇", "婉婷", "锦荣", "少华", "楚瑜", "泽楷"]  # fmt: skip
CITIES = [("广州市", "440106"), ("深圳市", "440305"), ("佛山市", "440604"), ("东莞市", "441900"), ("中山市", "442000"),
          ("珠海市", "440402"), ("江门市", "440703"), ("惠州市", "441302"), ("汕头市", "440507"), ("湛江市", "440802"),
          ("肇庆市", "441202"), ("韶关市", "440203")]  # fmt: skip
EMPLOYERS = {
    "电工": ["{city}供电局", "{city}地铁运营有限公司", "{city}建筑安装工程有限公司"],
    "数控车工": ["{city}精密机械有限公司", "{city}数控装备制造有限公司", "{city}汽车零部件有限公司"],
    "网络安全": ["{city}信息网络安全中心", "{city}数字政府运营中心", "{city}移动通信有限公司"],
}
SCHOOLS = ["{city}技师学院", "{city}高级技工学校", "{city}职业技术学院"]
PER_GROUP = 22


async def demo(event_id: int) -> str | None:
    if await Contestant.exists().where(Contestant.event == event_id):
        return None
    rng = random.Random(2026)
    ctx = await service.import_context(event_id)
    rows = []
    seq = 0
    for skill in ctx.skills:
        for kind in skill.groups:
            for i in range(PER_GROUP):
                city, region = CITIES[(i + seq) % len(CITIES)]
                student = kind == "student"
                born = dt.date(2005 if student else 1985, 1, 1) + dt.timedelta(days=rng.randrange(0, 3 * 365 if student else 15 * 365))
                sex = "M" if rng.random() < 0.8 else "F"
                level = rng.choice(["中级工", "高级工"] if student else ["高级工", "高级工", "技师"])
                employer = rng.choice(SCHOOLS if student else EMPLOYERS.get(skill.name, ["{city}某某有限公司"])).format(city=city[:-1])
                rows.append({
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN), "id_number": make_id(region, born, seq % 500, sex),
                    "skill": skill.name, "group": kind, "employer": employer, "delegation": city, "current_level": level,
                    "level_certificate_no": f"S{rng.randrange(10**13, 10**14)}", "phone": f"13{rng.randrange(10**8, 10**9)}",
                })  # fmt: skip
                seq += 1
    report = sheet.validate_rows(sheet.frame_of(rows), ctx)
    if not report.ok:
        raise RuntimeError(f"demo registrations invalid: {report.errors[:3]}")
    async with write_transaction():
        stored = await service._store(event_id, report)
        await audit.record("registration.import", audit.Actor(None, "demo"), event_id=event_id, target=f"event:{event_id}", details=stored)
    return f"已报名 {stored['created']} 名选手 / {stored['created']} contestants registered"


async def window_demo(event_id: int) -> str | None:
    """Open the demo event's registration window for delegations (from now, for 30 days), so a
    leader appointed on the people page can register their own contestants; idempotent."""
    from competition.registration import delegation

    if (await delegation.get_window(event_id))["opens_at"]:
        return None
    now = dt.datetime.now(dt.timezone.utc)
    await delegation.set_window(event_id, now - dt.timedelta(hours=1), now + dt.timedelta(days=30), audit.Actor(None, "demo"))
    return "已开放代表队报名（30 天）/ delegations' registration window open (30 days)"
