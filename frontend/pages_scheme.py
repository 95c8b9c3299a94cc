"""The marking scheme page of a skill (评分标准): download the blank template, upload a filled-in
workbook (checked first: the registration import's row/column report, a warning when it names
another skill; then saved), edit criteria → sub-criteria → aspects on screen with the sum against
the skill's total shown as it changes, and export what is stored. Once marks exist the page shows
the scheme and says why it can no longer change.

The page is a shell: ``static/scheme.js`` edits the scheme as the API's JSON and saves it with
``PUT …/scheme``; the upload goes to ``POST …/scheme/import?mode=check|save``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from competition.events import service as events
from frontend.pages import render
from kernel import access
from kernel.errors import request_lang
from kernel.guards import allowed, principal
from kernel.i18n import register, t
from marking.live import schemes

register(
    {
        "scheme.title": ("评分标准", "Marking scheme"),
        "scheme.link": ("评分标准", "Marking scheme"),
        "scheme.missing": ("尚未设置", "Not set up"),
        "scheme.set_up": ("设置评分标准", "Set up the marking scheme"),
        "scheme.none": (
            "本项目还没有评分标准。可下载模板填写后上传，或在下方直接编辑。",
            "This skill has no marking scheme yet. Fill in the template and upload it, or edit it below.",
        ),
        "scheme.version": ("第 {version} 版，保存于 {at}（北京时间）", "Version {version}, saved {at} (China time)"),
        "scheme.in_use": (
            "本项目已有评分，评分标准不能再修改。如需查看，可导出 Excel。",
            "Marks have been given under this scheme; it can no longer change. Export it to read it in Excel.",
        ),
        "scheme.read_only": ("您可以查看评分标准，但不能修改。", "You may read the scheme but not change it."),
        "scheme.excel": ("Excel 导入与导出", "Excel import and export"),
        "scheme.excel_help": (
            "模板每行一个评分项，附示例行与各列填写说明。上传后先检查整张表，列出每个有问题的单元格；确认无误后再保存。",
            "The template has one row per aspect, example rows and every column explained. An upload is checked first and every bad cell listed; then you save it.",
        ),
        "scheme.template": ("下载空白模板", "Download the blank template"),
        "scheme.export": ("导出当前评分标准", "Export the current scheme"),
        "scheme.file": ("评分标准文件（.xlsx）", "Scheme file (.xlsx)"),
        "scheme.check": ("检查", "Check"),
        "scheme.save_upload": ("保存这份评分标准", "Save this scheme"),
        "scheme.save_anyway": ("仍然保存（已确认是本项目的评分标准）", "Save anyway (it is this skill's scheme)"),
        "scheme.replace_confirm": ("保存后将替换本项目现有的评分标准。", "Saving replaces this skill's current marking scheme."),
        "scheme.counts": (
            "共 {criteria} 个评分模块、{sub_criteria} 个子标准、{aspects} 个评分项；配分合计 {sum}，总分 {total}。",
            "{criteria} criteria, {sub_criteria} sub-criteria, {aspects} aspects; marks add up to {sum} of {total}.",
        ),
        "scheme.file_ok": ("检查通过，可以保存。", "The sheet is valid and can be saved."),
        "scheme.file_bad": ("表中有错误，不能保存。请修改后重新上传。", "The sheet has errors and cannot be saved. Fix it and upload it again."),
        "scheme.uploaded": ("已保存：第 {version} 版。", "Saved: version {version}."),
        "scheme.sheet": ("工作表", "Sheet"),
        "scheme.editor": ("在线编辑", "Edit on screen"),
        "scheme.editor_help": (
            "评分模块 → 子标准 → 评分项。配分合计须等于本项目总分；下方实时显示差额。",
            "Criteria → sub-criteria → aspects. The marks must add up to the skill's total; the difference shows as you type.",
        ),
        "scheme.total": ("本项目总分", "The skill's total"),
        "scheme.parts": ("部分权重（%）", "Part weights (%)"),
        "scheme.part_theory": ("理论", "Theory"),
        "scheme.part_practical": ("实操", "Practical"),
        "scheme.sum_part": ("{part}：配分合计 {sum} / {total}", "{part}: marks add up to {sum} of {total}"),
        "scheme.sum_missing": ("还差 {diff}", "{diff} short"),
        "scheme.sum_over": ("超出 {diff}", "{diff} over"),
        "scheme.sum_ok": ("正好", "exact"),
        "scheme.sum_unused": ("{part}：权重为 0，不应有评分项", "{part}: weight 0, it should have no aspects"),
        "scheme.weights_bad": ("各部分权重合计 {sum}，应为 100", "The part weights add up to {sum}, not 100"),
        "scheme.crit_sum": ("本模块合计 {sum}", "This criterion adds up to {sum}"),
        "scheme.crit_sum_bad": ("本模块合计 {sum}，与模块配分 {mark} 不符", "This criterion adds up to {sum}, not its mark {mark}"),
        "scheme.criterion": ("评分模块", "Criterion"),
        "scheme.sub_criterion": ("子标准", "Sub-criterion"),
        "scheme.aspect": ("评分项", "Aspect"),
        "scheme.id": ("编号", "Id"),
        "scheme.name": ("名称", "Name"),
        "scheme.part": ("部分", "Part"),
        "scheme.crit_mark": ("模块配分（可空）", "Criterion mark (optional)"),
        "scheme.description": ("评分项描述", "What is marked"),
        "scheme.requirement": ("评分要求（可空）", "Requirement (optional)"),
        "scheme.kind": ("类型", "Type"),
        "scheme.kind_M": ("测量", "Measurement"),
        "scheme.kind_J": ("评价（0–3 分）", "Judgement (0–3)"),
        "scheme.kind_S": ("主观评分", "Subjective"),
        "scheme.max_mark": ("配分", "Max mark"),
        "scheme.judges": ("裁判人数", "Judges"),
        "scheme.judges_n": ("{n} 人", "{n}"),
        "scheme.judges_help": ("每项裁判人数由赛事规则按类型决定", "Judges per aspect are set by the event's rules, per type"),
        "scheme.mode": ("评分方式", "Mode"),
        "scheme.mode_full_or_zero": ("全有全无", "Full or zero"),
        "scheme.mode_banded": ("分档", "Banded"),
        "scheme.mode_deduction": ("扣分", "Deduction"),
        "scheme.bands": ("分档（公差:得分; …）", "Bands (tolerance:mark; …)"),
        "scheme.bands_bad": (
            "评分项 {id}：分档应写成“公差:得分; 公差:得分”，如 0.02:20; 0.05:10",
            "aspect {id}: bands read 'tolerance:mark; …', e.g. 0.02:20; 0.05:10",
        ),
        "scheme.step": ("每处扣分", "Marks per fault"),
        "scheme.descriptor": ("{n} 分描述", "Score {n} descriptor"),
        "scheme.descriptor_hint_0": ("低于行业标准", "Below the industry standard"),
        "scheme.descriptor_hint_1": ("达到行业标准", "Meets the industry standard"),
        "scheme.descriptor_hint_2": ("达到并部分超过行业标准", "Meets and in parts exceeds it"),
        "scheme.descriptor_hint_3": ("优秀", "Excellent"),
        "scheme.add_criterion": ("添加评分模块", "Add a criterion"),
        "scheme.add_sub": ("添加子标准", "Add a sub-criterion"),
        "scheme.add_aspect": ("添加评分项", "Add an aspect"),
        "scheme.remove": ("删除", "Remove"),
        "scheme.save": ("保存评分标准", "Save the scheme"),
        "scheme.saved": ("已保存：第 {version} 版", "Saved: version {version}"),
        "scheme.problems": ("请修改以下问题后再保存：", "Fix these before saving:"),
        "scheme.back_console": ("裁判长控制台", "Chief judge's console"),
    }
)

#: Strings the editor script needs, in the page's language.
SCRIPT_STRINGS = tuple(
    k.removeprefix("scheme.")
    for k in (
        "scheme.sum_part", "scheme.sum_missing", "scheme.sum_over", "scheme.sum_ok", "scheme.sum_unused", "scheme.weights_bad",
        "scheme.crit_sum", "scheme.crit_sum_bad", "scheme.criterion", "scheme.sub_criterion", "scheme.aspect", "scheme.id",
        "scheme.name", "scheme.part", "scheme.crit_mark", "scheme.description", "scheme.requirement", "scheme.kind", "scheme.kind_M",
        "scheme.kind_J", "scheme.kind_S", "scheme.max_mark", "scheme.judges", "scheme.judges_n", "scheme.judges_help", "scheme.mode",
        "scheme.mode_full_or_zero", "scheme.mode_banded", "scheme.mode_deduction", "scheme.bands", "scheme.bands_bad", "scheme.step",
        "scheme.descriptor", "scheme.descriptor_hint_0", "scheme.descriptor_hint_1", "scheme.descriptor_hint_2",
        "scheme.descriptor_hint_3", "scheme.add_sub", "scheme.add_aspect", "scheme.remove", "scheme.saved", "scheme.problems",
        "scheme.part_theory", "scheme.part_practical", "scheme.counts", "scheme.file_ok", "scheme.file_bad", "scheme.uploaded",
        "scheme.sheet", "imp.row", "imp.column", "imp.reason", "imp.errors", "imp.warnings",
    )
)  # fmt: skip


def _script_strings(lang: str) -> dict[str, str]:
    return {k: t(k if k.startswith("imp.") else f"scheme.{k}", lang) for k in SCRIPT_STRINGS}


@get("/events/{event_id:int}/skills/{skill_id:int}/scheme", include_in_schema=False, guards=[allowed("read_scheme")])
async def scheme_page(request: Request, event_id: int, skill_id: int) -> Template:
    p = await principal(request)
    event = events.event_json(await events.get_event(event_id))
    state = await schemes.scheme_state(event_id, skill_id)
    lang = request_lang(request)
    may_manage = access.allows(p, "manage_scheme", event_id, skill_id) and not event["archived"]
    editable = may_manage and not state["in_use"]
    api = f"/api/events/{event_id}/skills/{skill_id}/scheme"
    config: dict[str, Any] = {
        "api": api, "editable": editable, "scheme": state["scheme"], "skill": state["skill"],
        "total": state["total"], "parts": state["parts"], "judges": state["judges"], "lang": lang,
        "strings": _script_strings(lang),
    }  # fmt: skip
    return await render(
        request,
        "scheme_editor.html",
        event=event,
        skill=state["skill"],
        state=state,
        api=api,
        editable=editable,
        may_manage=may_manage,
        config=config,
        can_console=access.allows(p, "view_console", event_id, skill_id),
    )


def page_handlers() -> list:
    return [scheme_page]
