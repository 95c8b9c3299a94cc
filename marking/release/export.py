"""Spreadsheets of results (成绩册) and of the proposals for approval (拟表彰名单), as ``.xlsx``.

The results book has one sheet per skill and group, columns: rank, encrypted number,
workstation, name, delegation, employer, one column per criterion (A, B, C… subtotals), one per
part (theory / practical, raw), total, the standardised score (700-scale events only) and the
award; a last sheet says which stage each sheet shows (final, provisional, or the marks as they
stand when nothing is published yet) and when it was published. Both are written through
``scoring.spreadsheet`` (text never acts as a formula).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from competition.events import service as events
from kernel.db import json_value
from kernel.i18n import register, t
from kernel.tables import Skill
from marking.release import service
from scoring.spreadsheet import BOLD, Book

register(
    {
        "results.col.rank": ("名次", "Rank"),
        "results.col.encrypted_no": ("加密号", "Encrypted no."),
        "results.col.workstation": ("工位号", "Workstation"),
        "results.col.name": ("姓名", "Name"),
        "results.col.delegation": ("代表队", "Delegation"),
        "results.col.employer": ("工作单位/学校", "Employer/school"),
        "results.col.total": ("总成绩", "Total"),
        "results.col.standardised": ("标准分", "Standardised score"),
        "results.col.award": ("奖项", "Award"),
        "results.part.theory": ("理论知识", "Theory"),
        "results.part.practical": ("技能操作", "Practical"),
        "results.status.absent": ("缺考", "Absent"),
        "results.status.disqualified": ("取消资格", "Disqualified"),
        "results.stage.final": ("最终成绩", "Final"),
        "results.stage.provisional": ("暂定成绩（公示中）", "Provisional (public notice)"),
        "results.stage.current": ("当前评分（未公布）", "Current marks (not published)"),
        "results.sheet_info": ("说明", "About"),
        "results.col.skill": ("竞赛项目", "Skill"),
        "results.col.group": ("组别", "Group"),
        "results.col.stage": ("阶段", "Stage"),
        "results.col.published": ("公布时间（北京时间）", "Published (China time)"),
        "results.col.final_at": ("确定时间（北京时间）", "Final (China time)"),
        "results.col.changed": ("申诉后成绩有变动", "Changed after appeal"),
        "results.col.sheet": ("工作表", "Sheet"),
        "results.yes": ("是", "Yes"),
        "results.no": ("否", "No"),
        "proposals.sheet": ("拟表彰名单", "Proposals"),
        "proposals.col.kind": ("类别", "Kind"),
        "proposals.col.id": ("身份证号（部分隐藏）", "ID number (masked)"),
        "proposals.col.item": ("内容", "Item"),
        "proposals.col.from_level": ("原等级", "Current level"),
        "proposals.col.to_level": ("晋升等级", "New level"),
        "proposals.col.rule": ("依据规则", "Rule"),
        "proposals.col.outcome": ("结果", "Outcome"),
        "proposals.col.state": ("状态", "State"),
        "proposals.col.strike_reason": ("删除理由", "Reason struck"),
        "proposals.col.approved_by": ("审批人", "Approved by"),
        "proposals.col.approved_at": ("审批时间（北京时间）", "Approved (China time)"),
        "proposals.state.approved": ("已审批", "Approved"),
        "proposals.state.struck": ("已删除", "Struck"),
        "proposals.state.pending": ("待审批", "Awaiting approval"),
    }
)

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _number(value: Any) -> Any:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


def _sheet_title(text: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", text).strip() or "Sheet"
    base = base[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.lower())
    return title


def part_label(part: str, lang: str) -> str:
    key = f"results.part.{part}"
    label = t(key, lang)
    return part if label == key else label


def results_columns(snap: dict[str, Any], lang: str) -> list[str]:
    cols = [t(f"results.col.{k}", lang) for k in ("rank", "encrypted_no", "workstation", "name", "delegation", "employer")]
    cols += [f"{c['id']} {c['name']}".strip() for c in snap.get("criteria", [])]
    cols += [part_label(p, lang) for p in snap.get("parts", [])]
    cols.append(t("results.col.total", lang))
    if snap.get("standardised"):
        cols.append(t("results.col.standardised", lang))
    cols.append(t("results.col.award", lang))
    return cols


def results_rows(snap: dict[str, Any], lang: str) -> Iterable[list[Any]]:
    for r in snap.get("rows", []):
        rank: Any = r["rank"]
        if rank is None:
            rank = t(f"results.status.{r['status']}", lang) if r["status"] in ("absent", "disqualified") else None
        row = [rank, r.get("encrypted_no"), r.get("workstation_no"), r.get("name"), r.get("delegation"), r.get("employer")]
        row += [_number(r.get("criteria", {}).get(c["id"])) for c in snap.get("criteria", [])]
        row += [_number(r.get("parts", {}).get(p)) for p in snap.get("parts", [])]
        row.append(_number(r.get("total")))
        if snap.get("standardised"):
            row.append(_number(r.get("score")))
        label = r.get("award_label") or {}
        row.append(label.get(lang) or label.get("zh"))
        yield row


def results_book(sheets: list[dict[str, Any]], lang: str = "zh") -> bytes:
    """``sheets``: ``{"snapshot": …, "stage": final|provisional|current, "release": release_json}``."""
    book = Book()
    taken: set[str] = set()
    info = []
    for sheet in sheets:
        snap = sheet["snapshot"]
        title = _sheet_title(f"{snap['skill']}-{snap['group']}", taken)
        columns = results_columns(snap, lang)
        ws = book.sheet(title, widths=[24 if i == 6 else 14 for i in range(1, len(columns) + 1)], freeze="A2")
        ws.append(columns, BOLD)
        for row in results_rows(snap, lang):
            ws.append(row)
        rel = sheet.get("release") or {}
        info.append(
            [
                title,
                snap["skill"],
                snap["group"],
                t(f"results.stage.{sheet['stage']}", lang),
                rel.get("provisional_at_china") or "",
                rel.get("final_at_china") or "",
                t("results.yes" if rel.get("changed_by_appeal") else "results.no", lang),
            ]
        )
    ws = book.sheet(_sheet_title(t("results.sheet_info", lang), taken))
    ws.append([t(f"results.col.{k}", lang) for k in ("sheet", "skill", "group", "stage", "published", "final_at", "changed")])
    for row in info:
        ws.append(row)
    return book.save()


async def book_sheets(event_id: int, skill_id: int | None = None) -> list[dict[str, Any]]:
    """The sheets of the event's (or one skill's) results book, each at its latest stage."""
    await events.get_event(event_id)
    query = Skill.select(Skill.id).where(Skill.event == event_id).order_by(Skill.id)
    if skill_id is not None:
        await events.get_skill(event_id, skill_id)
        query = query.where(Skill.id == skill_id)
    sheets = []
    for s in await query:
        data = await service.load_skill(event_id, s["id"])
        if data.scheme is None:
            continue
        for gid in data.groups:
            if not data.in_group(gid):
                continue
            rel = await service.release_row(s["id"], gid)
            if rel is not None and rel["stage"] == service.FINAL:
                snap, stage = json_value(rel["final"], {}), "final"
            elif rel is not None:
                snap, stage = json_value(rel["provisional"], {}), "provisional"
            else:
                snap, stage = await service.preview(event_id, s["id"], gid), "current"
            sheets.append({"snapshot": snap, "stage": stage, "release": service.release_json(rel, with_rankings=False)})
    return sheets


def proposals_columns(lang: str) -> list[str]:
    return [
        t("results.col.skill", lang), t("results.col.group", lang), t("proposals.col.kind", lang), t("results.col.name", lang),
        t("proposals.col.id", lang), t("results.col.delegation", lang), t("results.col.employer", lang), t("results.col.rank", lang),
        t("proposals.col.item", lang), t("proposals.col.from_level", lang), t("proposals.col.to_level", lang), t("proposals.col.rule", lang),
        t("proposals.col.outcome", lang), t("proposals.col.state", lang), t("proposals.col.strike_reason", lang),
        t("proposals.col.approved_by", lang), t("proposals.col.approved_at", lang),
    ]  # fmt: skip


def proposals_book(items: list[dict[str, Any]], lang: str = "zh") -> bytes:
    def pick(label: dict[str, str] | None) -> str | None:
        return None if not label else (label.get(lang) or label.get("zh"))

    book = Book()
    ws = book.sheet(t("proposals.sheet", lang), freeze="A2")
    ws.append(proposals_columns(lang), BOLD)
    for p in items:
        state = "struck" if p["struck"] else "approved" if p["approved"] else "pending"
        ws.append([
            p["skill"], p["group"], pick(p["kind_label"]), p["name"], p["id_masked"], p["delegation"], p["employer"], p["rank"],
            pick(p["label"]), pick(p["from_level_label"]), pick(p["to_level_label"]), p["rule"], pick(p["outcome_label"]),
            t(f"proposals.state.{state}", lang), p["strike_reason"] or None, p["approved_by"], p["approved_at_china"] or None,
        ])  # fmt: skip
    return book.save()


def filename(kind: str, lang: str) -> str:
    names = {"results": ("成绩册.xlsx", "results.xlsx"), "proposals": ("拟表彰名单.xlsx", "proposals.xlsx")}
    zh, en = names[kind]
    return zh if lang == "zh" else en
