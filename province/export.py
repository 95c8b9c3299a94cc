"""The province's figures as files: the yearly 情况表 (.xlsx, one sheet per dimension, a notes
sheet saying when it was computed and from which code lists) and one cut as CSV (UTF-8 with a
BOM, so Excel opens the Chinese)."""

from __future__ import annotations

import csv
import io
from typing import Any

from province.standings import event_standings
from province.statistics import DIMENSIONS, MEASURES, cut, event_figures
from scoring import codelists as codes
from scoring.spreadsheet import Book, Style

_HEAD = Style(bold=True)


def _header(by: list[str], lang: str) -> list[str]:
    i = 0 if lang == "zh" else 1
    return [DIMENSIONS[d][i] for d in by] + [MEASURES[m][i] for m in MEASURES]


def _line(row: dict[str, Any], by: list[str], lang: str) -> list[Any]:
    return [row["labels"][d][lang] for d in by] + [row[m] for m in MEASURES]


async def situation_workbook(filters: dict[str, str], computed_at_china: str, lang: str = "zh") -> bytes:
    """情况表: a sheet per dimension (its rows, then the total), and the notes — each sheet one
    grouped read of the summary."""
    lang = "en" if lang.startswith("en") else "zh"
    book = Book()
    for d, (zh, en) in DIMENSIONS.items():
        sheet = await cut([d], filters)
        ws = book.sheet(("按" + zh) if lang == "zh" else ("By " + en.lower()), widths=[28, 10, 12, 12, 12, 14, 12], freeze="A2")
        ws.append(_header([d], lang), _HEAD)
        for row in sheet["rows"]:
            ws.append(_line(row, [d], lang))
        ws.append(["合计" if lang == "zh" else "Total", *[sheet["total"][m] for m in MEASURES]], _HEAD)
    teams = book.sheet("团体成绩" if lang == "zh" else "Team standings", widths=[36, 28, 10, 10, 10, 10, 10, 10, 12, 12], freeze="A2")
    teams.append(["赛事" if lang == "zh" else "Event", "代表队" if lang == "zh" else "Delegation", "名次" if lang == "zh" else "Place",
                  "获奖" if lang == "zh" else "Awards", "团体总分" if lang == "zh" else "Team total",
                  "总分名次" if lang == "zh" else "Place by total", "优秀组织奖" if lang == "zh" else "Organisation award"], _HEAD)  # fmt: skip
    for ev in await event_figures({k: v for k, v in filters.items() if k in ("year", "tier")}):
        table = await event_standings(ev["event_id"])
        if not table["enabled"]:
            continue
        for r in table["rows"]:
            counts = "、".join(f"{a[lang]} {r['counts'][a['code']]}" for a in table["awards"] if r["counts"][a["code"]])
            teams.append([ev["name"], r["delegation"], r["medal_rank"], counts or "—", r["total"], r["total_rank"],
                          ("是" if lang == "zh" else "yes") if r["organisation_award"] else ""])  # fmt: skip
    notes = book.sheet("说明" if lang == "zh" else "Notes", widths=[24, 70])
    notes.append(["广东省职业技能竞赛情况表" if lang == "zh" else "Guangdong skills competitions: the yearly figures"], _HEAD)
    notes.append(["统计时间（北京时间）" if lang == "zh" else "Computed at (China time)", computed_at_china])
    notes.append(["筛选条件" if lang == "zh" else "Filters", "; ".join(f"{k}={v}" for k, v in filters.items()) or "—"])
    notes.append(["数据来源" if lang == "zh" else "Source",
                  "报名记录（不含退赛）、审批通过且未删除的获奖、荣誉、晋级名单；非人工填报" if lang == "zh"
                  else "registrations (withdrawals left out) and approved, unstruck prize, honour and promotion lists; nothing typed in"])  # fmt: skip
    notes.append(["产业集群代码表" if lang == "zh" else "Industry clusters", codes.CLUSTERS_VERSION])
    notes.append(["地市代码表" if lang == "zh" else "Cities", codes.CITIES_VERSION])
    notes.append(["职业代码表" if lang == "zh" else "Occupations", codes.OCCUPATIONS_VERSION])
    return book.save()


def cut_csv(cut: dict[str, Any], lang: str = "zh") -> bytes:
    """One cut as CSV: its rows, a total line and the time it was computed."""
    lang = "en" if lang.startswith("en") else "zh"
    buf = io.StringIO()
    w = csv.writer(buf)
    by = cut["by"]
    w.writerow(_header(by, lang))
    for row in cut["rows"]:
        w.writerow(_line(row, by, lang))
    w.writerow(["合计" if lang == "zh" else "Total", *([""] * (len(by) - 1)), *[cut["total"][m] for m in MEASURES]])
    w.writerow([("统计时间（北京时间）" if lang == "zh" else "Computed at (China time)"), cut.get("computed_at_china", "")])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
