"""``/api/province/…``: the province's figures, for those holding ``read_province_statistics``
(the 人社厅's supervisors and platform administrators). Figures only: no names, no ID numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get

from kernel.errors import request_lang
from kernel.guards import allowed, principal
from kernel.i18n import china_time
from province import export, standings, statistics
from scoring import codelists

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILTERS = ("year", "tier", "group", "cluster", "city", "sex", "age_band", "occupation")


async def _filters(request: Request) -> dict[str, str]:
    """The query's filters, cut to the reader's own city for a city supervisor."""
    asked = {k: request.query_params[k] for k in _FILTERS if request.query_params.get(k)}
    return statistics.city_cut(await principal(request), asked)


def _by(request: Request) -> list[str]:
    by: list[str] = []
    for value in request.query_params.getall("by", []):
        by += [v for v in value.split(",") if v]
    return by or ["cluster"]


def _file(content: bytes, filename: str, media_type: str) -> Response[bytes]:
    return Response(
        content, media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename=\"download\"; filename*=UTF-8''{quote(filename)}"},
    )  # fmt: skip


class ProvinceController(Controller):
    path = "/api/province"
    tags = ["province"]
    guards = [allowed("read_province_statistics")]

    @get("/codes", summary="The code lists: industry clusters, cities, occupations, age bands (with versions)", operation_id="province_codes")
    async def codes(self) -> dict[str, Any]:
        return codelists.code_lists()

    @get(
        "/statistics",
        summary="One cut of the province's figures",
        operation_id="province_statistics",
        description="`by` (repeat or comma-separate, up to three): cluster, city, tier, group, year, sex, age_band, occupation. "
        "Filters: year, tier, group, cluster, city, sex, age_band, occupation. Each row lists the events behind it (drill-down).",
    )
    async def figures(self, request: Request) -> dict[str, Any]:
        return await statistics.figures(_by(request), await _filters(request))

    @get("/statistics.csv", summary="One cut as CSV", operation_id="province_statistics_csv", media_type="text/csv")
    async def figures_csv(self, request: Request) -> Response[bytes]:
        cut = await statistics.figures(_by(request), await _filters(request))
        return _file(export.cut_csv(cut, request_lang(request)), "全省竞赛统计.csv", "text/csv; charset=utf-8")

    @get("/statistics.xlsx", summary="The yearly 情况表: one sheet per dimension", operation_id="province_statistics_xlsx", media_type=XLSX)
    async def situation(self, request: Request) -> Response[bytes]:
        filters = await _filters(request)
        statistics.check_cut([], filters)
        now = dt.datetime.now(dt.timezone.utc)
        content = await export.situation_workbook(filters, china_time(now, "%Y-%m-%d %H:%M:%S"), request_lang(request))
        year = filters.get("year", "")
        return _file(content, f"广东省职业技能竞赛情况表{year}.xlsx", XLSX)

    @get("/events", summary="The events behind a figure, each with its own figures (the drill-down)", operation_id="province_events",
         description="Filters as for `/statistics`; most entrants first.")  # fmt: skip
    async def events(self, request: Request) -> list[dict[str, Any]]:
        return await statistics.event_figures(await _filters(request))

    @get("/events/{event_id:int}/standings", summary="An event's team standings: medal table, 团体总分, 优秀组织奖",
         operation_id="province_event_standings")  # fmt: skip
    async def event_standings(self, event_id: int) -> dict[str, Any]:
        return await standings.event_standings(event_id)
