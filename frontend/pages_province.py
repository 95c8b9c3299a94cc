"""The province's statistics page (全省竞赛统计): a cut of the figures by one or two dimensions
with filters, a chart (Chart.js, vendored: ``static/vendor/chart-4.6.2.*``, MIT), the table with
its drill-down to each event's published results, and the 情况表 / CSV downloads."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Template

from competition.events import service as events
from frontend.pages import render
from kernel.errors import request_lang
from kernel.guards import allowed, principal
from kernel.i18n import register
from province import standings, statistics
from scoring import codelists
from scoring.eligibility import GROUP_LABELS

register(
    {
        "prov.title": ("全省竞赛统计", "Province statistics"),
        "prov.intro": (
            "数据来自各赛事的报名记录和审批通过的获奖、荣誉、晋级名单，非人工填报；每行列出背后的赛事，可点开查看其成绩。",
            "Counted from every event's registrations and the approved prize, honour and promotion lists, never typed in; "
            "each row lists the events behind it.",
        ),
        "prov.by": ("统计维度", "Count by"),
        "prov.then": ("交叉维度", "Cross with"),
        "prov.none": ("（无）", "(none)"),
        "prov.all": ("全部", "All"),
        "prov.apply": ("统计", "Show"),
        "prov.xlsx": ("下载年度情况表（Excel）", "Download the yearly figures (Excel)"),
        "prov.csv": ("下载本表（CSV）", "Download this table (CSV)"),
        "prov.computed": ("统计时间（北京时间）：{at}", "Computed at {at} (China time)"),
        "prov.total": ("合计", "Total"),
        "prov.events": ("涉及赛事", "Events"),
        "prov.empty": ("没有符合条件的数据。", "No figures match."),
        "prov.chart": ("参赛与获奖", "Entrants and prizes"),
        "nav.province": ("全省统计", "Province"),
        "prov.by_sex": ("按性别", "By sex"),
        "prov.by_age": ("按年龄段", "By age band"),
        "prov.events_title": ("数据背后的赛事", "The events behind the figures"),
        "prov.events_intro": (
            "以下赛事构成所选数字；点开赛事查看其分项统计、团体成绩和成绩公布。",
            "These events make up the chosen figure; open one for its figures, team standings and results.",
        ),
        "prov.filters_applied": ("筛选条件：{f}", "Filters: {f}"),
        "prov.event_link": ("赛事统计", "Event figures"),
        "prov.results_link": ("查看成绩", "Results"),
        "prov.back": ("返回全省统计", "Back to the province's figures"),
        "prov.by_city": ("按地市（代表队）", "By city (delegation)"),
        "prov.by_group": ("按组别", "By group"),
        "teams.title": ("团体成绩", "Team standings"),
        "teams.delegation": ("代表队", "Delegation"),
        "teams.place": ("名次", "Place"),
        "teams.entrants": ("参赛人数", "Entrants"),
        "teams.total": ("团体总分", "Team total"),
        "teams.total_place": ("总分名次", "Place by total"),
        "teams.org_award": ("优秀组织奖", "Organisation award"),
        "teams.none": ("本赛事规则不设团体成绩。", "This event's rules keep no team standings."),
        "teams.pending": ("获奖名单审批后显示团体成绩。", "Team standings appear once the awards are approved."),
        "teams.rule": (
            "按获奖名单（已审批、未撤销）统计；积分与优秀组织奖名额由赛事规则确定。",
            "From the approved (unrevoked) awards; the points and the organisation awards follow the event's rules.",
        ),
    }
)


@get("/province/statistics", include_in_schema=False, guards=[allowed("read_province_statistics")])
async def statistics_page(request: Request, by: str = "cluster", then: str = "") -> Template:
    dims = [d for d in (by, then) if d in statistics.DIMENSIONS]
    dims = list(dict.fromkeys(dims)) or ["cluster"]
    filters = _filters(request)
    filters = statistics.city_cut(await principal(request), filters)  # a city supervisor: its own city only
    figures = await statistics.figures(dims, filters)
    years = await statistics.years()
    by_sex = await statistics.cut(["sex"], filters) if "sex" not in dims else None
    by_age = await statistics.cut(["age_band"], filters) if "age_band" not in dims else None
    lang = request_lang(request)
    chart = {
        "labels": [" / ".join(r["labels"][d][lang] for d in dims) for r in figures["rows"]][:30],
        "entrants": [r["entrants"] for r in figures["rows"]][:30],
        "prizes": [r["prizes"] for r in figures["rows"]][:30],
    }
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return await render(
        request, "province_statistics.html", figures=figures, dims=dims, by=dims[0], then=dims[1] if len(dims) > 1 else "",
        filters=filters, years=years, dimensions=statistics.DIMENSIONS, measures=statistics.MEASURES,
        tiers=codelists.TIERS, cities=codelists.CITIES, clusters=codelists.CLUSTERS, groups=GROUP_LABELS,
        chart_json=json.dumps(chart, ensure_ascii=False).replace("</", "<\\/"), query=query, by_sex=by_sex, by_age=by_age,
        age_bands=[b[0] for b in codelists.AGE_BANDS], row_query=_row_query,
    )  # fmt: skip


_FILTERS = ("year", "tier", "group", "city", "cluster", "sex", "age_band", "occupation")


def _filters(request: Request) -> dict[str, str]:
    return {k: request.query_params[k] for k in _FILTERS if request.query_params.get(k)}


def _row_query(filters: dict[str, str], key: dict[str, str]) -> str:
    """The query string of a row's drill-down: the page's filters and the row's own codes."""
    return urlencode({**filters, **{k: v for k, v in key.items()}})


@get("/province/events", include_in_schema=False, guards=[allowed("read_province_statistics")])
async def events_page(request: Request) -> Template:
    filters = statistics.city_cut(await principal(request), _filters(request))  # a city supervisor: its own city only
    i = 0 if request_lang(request) == "zh" else 1
    said = "；".join(f"{statistics.DIMENSIONS[k][i]}：{statistics.label(k, v)[i]}" for k, v in filters.items() if k in statistics.DIMENSIONS)
    return await render(
        request, "province_events.html", events=await statistics.event_figures(filters), filters=filters, filter_text=said,
        measures=statistics.MEASURES, dimensions=statistics.DIMENSIONS,
    )  # fmt: skip


@get("/province/events/{event_id:int}", include_in_schema=False, guards=[allowed("read_province_statistics")])
async def event_page(request: Request, event_id: int) -> Template:
    event = events.event_json(await events.get_event(event_id))
    own = statistics.city_cut(await principal(request), {})  # a city supervisor: its own city's part of the event
    return await render(
        request, "province_event.html", event=event, by_city=await statistics.cut(["city"], own, event_id=event_id),
        by_group=await statistics.cut(["group"], own, event_id=event_id), by_sex=await statistics.cut(["sex"], own, event_id=event_id),
        by_age=await statistics.cut(["age_band"], own, event_id=event_id), teams=await standings.event_standings(event_id),
        measures=statistics.MEASURES, dimensions=statistics.DIMENSIONS,
    )  # fmt: skip


def page_handlers() -> list:
    return [statistics_page, events_page, event_page]
