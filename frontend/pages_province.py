"""The province's statistics page (全省竞赛统计): a cut of the figures by one or two dimensions
with filters, a chart (Chart.js, vendored: ``static/vendor/chart-4.6.2.*``, MIT), the table with
its drill-down to each event's published results, and the 情况表 / CSV downloads."""

from __future__ import annotations

import json

from litestar import Request, get
from litestar.response import Template

from frontend.pages import render
from kernel.errors import request_lang
from kernel.guards import allowed, principal
from kernel.i18n import register
from province import statistics
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
    }
)


@get("/province/statistics", include_in_schema=False, guards=[allowed("read_province_statistics")])
async def statistics_page(request: Request, by: str = "cluster", then: str = "") -> Template:
    dims = [d for d in (by, then) if d in statistics.DIMENSIONS]
    dims = list(dict.fromkeys(dims)) or ["cluster"]
    filters = {k: request.query_params[k] for k in ("year", "tier", "group", "city", "cluster") if request.query_params.get(k)}
    filters = statistics.city_cut(await principal(request), filters)  # a city supervisor: its own city only
    all_facts = await statistics.facts()  # read once for the cut and the list of years
    figures = await statistics.figures(dims, filters, all_facts)
    years = sorted({r["key"]["year"] for r in statistics.rollup(all_facts, ["year"])["rows"]}, reverse=True)
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
        chart_json=json.dumps(chart, ensure_ascii=False).replace("</", "<\\/"), query=query,
    )  # fmt: skip


def page_handlers() -> list:
    return [statistics_page]
