"""Referral lists from the province's records (推荐名单):

- the 广东省五一劳动奖章 list of a year: the first places of employees' groups (职工组) of the
  year's provincial (and higher) contests, as approved (``certificates.face.first_places``);
- candidates for 全国技术能手 nominations: those first places who hold 广东省技术能手 and not yet
  全国技术能手 (nobody receives an honour twice).

ID numbers appear in full only in the exported workbooks (for the receiving body); the export is audited.
"""

from __future__ import annotations

from typing import Any

from certificates import face as certificates
from scoring.idcard import mask_id
from scoring.spreadsheet import Book, Style

WUYI_COLUMNS = ["序号", "姓名", "身份证号", "工作单位", "代表队", "赛事", "竞赛项目", "组别", "名次", "奖项"]
NATIONAL_COLUMNS = ["序号", "姓名", "身份证号", "工作单位", "代表队", "赛事", "竞赛项目", "已获荣誉"]


async def may_day_list(year: int, *, masked: bool = True) -> list[dict[str, Any]]:
    rows = await certificates.first_places(year)
    return [r | {"id_number": mask_id(r["id_number"])} for r in rows] if masked else rows


async def national_candidates(year: int, *, masked: bool = True) -> list[dict[str, Any]]:
    rows = await certificates.first_places(year)
    held = await certificates.honours_held_by(r["id_number"] for r in rows)
    out, seen = [], set()
    for r in rows:
        honours = held.get(r["id_number"], frozenset())
        if "guangdong_technical_expert" in honours and "national_technical_expert" not in honours and r["id_number"] not in seen:
            seen.add(r["id_number"])
            out.append(r | {"honours": sorted(honours)})
    return [r | {"id_number": mask_id(r["id_number"])} for r in out] if masked else out


def _book(title: str, columns: list[str], rows: list[list[str]]) -> bytes:
    book = Book()
    ws = book.sheet(title, widths=[6, 10, 21, 30, 16, 30, 16, 10, 8, 10][: len(columns)], freeze="A2")
    ws.append(columns, Style(bold=True, text=True))
    for row in rows:
        ws.append(row, Style(text=True))
    return book.save()


def may_day_xlsx(rows: list[dict[str, Any]]) -> bytes:
    return _book("五一劳动奖章推荐", WUYI_COLUMNS, [
        [str(i), r["name"], r["id_number"], r["employer"], r["delegation"], r["event"], r["skill"], r["group"], "1", r["award"]]
        for i, r in enumerate(rows, 1)
    ])  # fmt: skip


def national_xlsx(rows: list[dict[str, Any]]) -> bytes:
    return _book("全国技术能手推荐", NATIONAL_COLUMNS, [
        [str(i), r["name"], r["id_number"], r["employer"], r["delegation"], r["event"], r["skill"], "、".join(r["honours"])]
        for i, r in enumerate(rows, 1)
    ])  # fmt: skip
