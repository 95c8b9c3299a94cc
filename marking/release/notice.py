"""The formal public notice (成绩公示) of an event, or of one skill, as a printable PDF.

What it prints is what the public results pages show (``marking.release.public``: names and
delegations, no employers, no ids), per skill and group that is published: the ranking with
awards, when it was published, the notice period (from publication to ``notice_ends_at``) and the
appeal window (until ``appeal_ends_at``), in China time, the windows that applied and the audit
chain's head as recorded at publication; then how to appeal — online by name and ID number at
``/lookup``, or in writing to the event's arbitration group (监督仲裁组), until when, and that its
decision is final. Rendered with WeasyPrint (``kernel.pdf``) in the CJK fonts certificates use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import jinja2

from competition.events import service as events
from kernel.errors import BilingualError
from kernel.i18n import china_time, register, t
from kernel.pdf import CJK_FONTS, render_pdf
from kernel.tables import Skill
from marking.release import public, service

register(
    {
        "notice.title": ("成绩公示", "Public notice of results"),
        "notice.final_title": ("成绩公示（含最终成绩）", "Public notice of results (with final results)"),
        "notice.intro": (
            "根据本赛事竞赛规则，现将下列竞赛项目的成绩予以公示。公示期内，对成绩有异议的，可按本公示所列方式提出申诉。",
            "Under the rules of this event the results below are publicly noticed. Anyone who disputes a result during the notice period may appeal as set out below.",
        ),
        "notice.link": ("成绩公示（PDF）", "Public notice (PDF)"),
        "notice.published": ("公布时间：{at}（北京时间）", "Published: {at} (China time)"),
        "notice.period": ("公示期：{start} 至 {end}（北京时间）", "Notice period: {start} to {end} (China time)"),
        "notice.appeal_until": ("申诉截止：{at}（北京时间）", "Appeals until: {at} (China time)"),
        "notice.final": ("成绩已于 {at}（北京时间）确定", "Results final since {at} (China time)"),
        "notice.how_title": ("申诉方式", "How to appeal"),
        "notice.how_online": (
            "在线申诉：选手本人访问 {url} ，以姓名和身份证号查询本人成绩，在申诉截止前提交书面申诉；",
            "Online: the contestant opens {url}, looks up their own results by name and ID number and files a written appeal before the deadline;",
        ),
        "notice.how_paper": (
            "书面申诉：选手或领队在申诉截止前向赛事监督仲裁组{where}递交书面申诉，写明申诉事项和理由；",
            "In writing: the contestant or team leader hands a written appeal stating what is disputed and why to the event's arbitration group{where} before the deadline;",
        ),
        "notice.how_where": ("（{venue}）", " ({venue})"),
        "notice.how_final": (
            "逾期提交的申诉不予受理。监督仲裁组的裁定为最终决定，并予记录。",
            "Appeals after the deadline are not accepted. The arbitration group's decision is final and recorded.",
        ),
        "notice.generated": ("生成时间：{at}（北京时间）", "Generated: {at} (China time)"),
        "notice.verify": ("证书真伪可在 {url} 按证书编号查验。", "Certificates can be verified by number at {url}."),
        "notice.nothing": ("尚未公布成绩，没有可公示的内容", "No results are published yet: there is nothing to notice"),
        "notice.host": ("承办单位：{host}", "Host: {host}"),
        "notice.rank": ("名次", "Rank"),
        "notice.name": ("姓名", "Name"),
        "notice.delegation": ("代表队", "Delegation"),
        "notice.score": ("成绩", "Score"),
        "notice.award": ("奖项", "Award"),
        "notice.absent": ("缺考", "Absent"),
        "notice.disqualified": ("取消资格", "Disqualified"),
    }
)

_TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    """<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title></head><body>
<h1>{{ event.name }}</h1>
<h2 class="sub">{{ title }}</h2>
<p>{{ t('notice.intro', lang) }}</p>
{% for g in groups %}
<section>
  <h3>{{ g.skill }} · {{ g.group }}</h3>
  <p class="meta">{{ t('notice.published', lang, at=g.provisional_at_china) }}<br>
  {{ t('notice.period', lang, start=g.provisional_at_china, end=g.notice_ends_at_china) }}<br>
  {{ t('notice.appeal_until', lang, at=g.appeal_ends_at_china) }}
  {% if g.stage == 'final' %}<br>{{ t('notice.final', lang, at=g.final_at_china) }}{% endif %}
  {% if g.windows %}<br>{{ t('results.windows_applied', lang, notice='%g' % g.windows.notice_hours, min_notice='%g' % g.windows.min_notice_hours, appeal='%g' % g.windows.appeal_window_hours, min_appeal='%g' % g.windows.min_appeal_window_hours) }}{% endif %}</p>
  <table>
    <thead><tr><th>{{ t('notice.rank', lang) }}</th><th>{{ t('notice.name', lang) }}</th><th>{{ t('notice.delegation', lang) }}</th><th>{{ t('notice.score', lang) }}</th><th>{{ t('notice.award', lang) }}</th></tr></thead>
    <tbody>
    {% for r in g.rows %}<tr><td>{% if r.rank %}{{ r.rank }}{% elif r.status == 'absent' %}{{ t('notice.absent', lang) }}{% elif r.status == 'disqualified' %}{{ t('notice.disqualified', lang) }}{% endif %}</td>
      <td>{{ r.name or '' }}</td><td>{{ r.delegation or '' }}</td><td>{{ r.score or '' }}</td><td>{{ r.award_label[lang] if r.award_label else '' }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% if g.heads.provisional %}<p class="head">{{ t('results.chain_head', lang, step=t('results.chain_head_provisional', lang), seq=g.heads.provisional.seq, hash=g.heads.provisional.hash) }}</p>{% endif %}
</section>
{% endfor %}
<section class="how">
  <h3>{{ t('notice.how_title', lang) }}</h3>
  <ol>
    <li>{{ t('notice.how_online', lang, url=lookup_url) }}</li>
    <li>{{ t('notice.how_paper', lang, where=where) }}</li>
  </ol>
  <p>{{ t('notice.how_final', lang) }}</p>
  <p>{{ t('notice.verify', lang, url=verify_url) }}</p>
</section>
<p class="foot">{% if event.host %}{{ t('notice.host', lang, host=event.host) }} · {% endif %}{{ t('notice.generated', lang, at=generated) }}</p>
</body></html>"""
)
_TEMPLATE.globals["t"] = t

CSS = f"""
@page {{ size: A4; margin: 18mm 16mm 18mm 16mm;
  @bottom-center {{ content: counter(page) " / " counter(pages); font-size: 9pt; color: #555; }} }}
body {{ font-family: {CJK_FONTS}; font-size: 10.5pt; line-height: 1.5; color: #111; }}
h1 {{ text-align: center; font-size: 18pt; margin: 0 0 2mm; }}
h2.sub {{ text-align: center; font-size: 15pt; margin: 0 0 6mm; }}
html[lang=zh] h2.sub {{ letter-spacing: 0.3em; }}
h3 {{ font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }}
p.meta {{ margin: 0 0 2mm; font-size: 9.5pt; }}
table {{ width: 100%; border-collapse: collapse; font-size: 9.5pt; }}
th, td {{ border: 1px solid #888; padding: 1mm 2mm; text-align: left; }}
th {{ background: #eee; }}
tr {{ page-break-inside: avoid; }}
p.head {{ font-size: 7.5pt; color: #555; word-break: break-all; }}
section.how {{ margin-top: 8mm; page-break-inside: avoid; }}
p.foot {{ margin-top: 8mm; font-size: 8.5pt; color: #555; text-align: right; }}
"""


async def notice_data(event_id: int, skill_id: int | None = None) -> dict[str, Any]:
    """The published groups of the event (or of one skill) as the notice prints them; 404
    ``nothing_published`` when none is."""
    event = events.event_json(await events.get_event(event_id))
    query = Skill.select(Skill.id).where(Skill.event == event_id).order_by(Skill.id)
    if skill_id is not None:
        query = query.where(Skill.id == skill_id)
    groups = []
    for s in await query:
        view = await public.public_skill(event_id, s["id"])
        for g in view["groups"]:
            if g.get("published"):
                groups.append({**g, "skill": view["skill"], "rows": (g.get("ranking") or {}).get("rows", [])})
    if skill_id is not None and not groups and not await Skill.exists().where((Skill.id == skill_id) & (Skill.event == event_id)):
        from kernel.errors import not_found

        raise not_found("skill")
    if not groups:
        raise BilingualError(404, "nothing_published", zh=t("notice.nothing", "zh"), en=t("notice.nothing", "en"))
    return {"event": event, "groups": groups}


def notice_html(data: dict[str, Any], *, lang: str, base_url: str, now: dt.datetime | None = None) -> tuple[str, str]:
    """The notice as HTML, and its title."""
    final = all(g["stage"] == service.FINAL for g in data["groups"])
    title = t("notice.final_title" if final else "notice.title", lang)
    venue = (data["event"].get("venue") or "").strip()
    html = _TEMPLATE.render(
        lang=lang, title=title, event=data["event"], groups=data["groups"], lookup_url=f"{base_url}/lookup",
        verify_url=f"{base_url}/verify", where=t("notice.how_where", lang, venue=venue) if venue else "",
        generated=china_time(now or service.now()),
    )  # fmt: skip
    return html, title


async def notice_pdf(event_id: int, skill_id: int | None, *, lang: str, base_url: str) -> tuple[bytes, str]:
    """The notice PDF and its title."""
    data = await notice_data(event_id, skill_id)
    html, title = notice_html(data, lang=lang, base_url=base_url.rstrip("/"))
    pdf = await render_pdf(html, CSS, title=f"{data['event']['name']} · {title}", author=data["event"].get("host") or "")
    return pdf, title
