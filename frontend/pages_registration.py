"""Organiser pages for registration: the contestant list with search and filters, a contestant's
form (add and edit), and the spreadsheet import with its row-by-row error report."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from competition.events import service as events
from competition.registration import service
from frontend.pages import render
from kernel.guards import allowed
from kernel.i18n import register
from scoring.identity import DOC_TYPES
from scoring.levels import SkillLevel

register(
    {
        "reg.title": ("选手报名", "Contestants"),
        "reg.search": ("搜索姓名、身份证号、代表队或单位", "Search name, ID number, delegation or employer"),
        "reg.all_skills": ("全部项目", "All skills"),
        "reg.all_status": ("全部状态", "Any status"),
        "reg.add": ("新增选手", "Add contestant"),
        "reg.edit": ("编辑选手", "Edit contestant"),
        "reg.import": ("从 Excel 导入", "Import from Excel"),
        "reg.export": ("导出 Excel", "Export to Excel"),
        "reg.template": ("下载报名表模板", "Download the template"),
        "reg.total": ("共 {n} 人", "{n} contestants"),
        "reg.none": ("没有符合条件的选手。", "No contestants match."),
        "reg.name": ("姓名", "Name"),
        "reg.id_number": ("证件号码", "Document number"),
        "reg.id_type": ("证件类型", "Document type"),
        "reg.nationality": ("国籍（持护照时必填，ISO 三位字母代码，如 GBR）", "Nationality (with a passport: ISO three-letter code, e.g. GBR)"),
        "reg.sex": ("性别", "Sex"),
        "reg.sex_derived": ("由证件号码得出", "From the document number"),
        "reg.sex_m": ("男", "Male"),
        "reg.sex_f": ("女", "Female"),
        "reg.birth_date": ("出生日期", "Birth date"),
        "reg.doc_help": (
            "居民身份证、港澳台居民居住证的号码含性别和出生日期，可不填；通行证、护照须填写性别和出生日期。",
            "An ID card or residence permit number carries sex and birth date (leave them empty); with a travel permit or passport, enter them.",
        ),
        "reg.skill": ("竞赛项目", "Skill"),
        "reg.group": ("组别", "Group"),
        "reg.employer": ("工作单位/学校", "Employer/school"),
        "reg.delegation": ("代表队", "Delegation"),
        "reg.level": ("现职业技能等级", "Current level"),
        "reg.level_cert": ("等级证书编号", "Level certificate no."),
        "reg.phone": ("手机号", "Mobile phone"),
        "reg.team": ("团队名称（团体项目）", "Team (team skills)"),
        "reg.team_captain": ("队长（每队一名）", "Captain (one per team)"),
        "reg.award_eligible": (
            "参与评奖（不勾选：参赛但不评奖，如邀请参赛）",
            "Takes part in awards (unticked: competes without awards, e.g. a guest entrant)",
        ),
        "reg.session": ("场次", "Session"),
        "reg.status": ("状态", "Status"),
        "reg.workstation": ("工位号", "Workstation"),
        "reg.save": ("保存", "Save"),
        "reg.delete": ("删除报名", "Delete registration"),
        "reg.reveal": ("显示完整证件号", "Show full ID"),
        "reg.reveal_reason": ("查看理由（必填，记入审计日志）", "Reason (required; goes to the audit log)"),
        "reg.masked_help": (
            "身份证号和手机号已部分隐藏。如需核对或修改，请填写理由后显示完整号码；每次查看都记入审计日志。",
            "The ID and phone numbers are partly hidden. To check or change them, give a reason and show them in full; every showing is audited.",
        ),
        "reg.photo": ("照片", "Photo"),
        "reg.no_photo": ("尚未上传照片。", "No photo yet."),
        "reg.photo_help": (
            "证件照（JPEG 或 PNG，不超过 2 MB），检录时核对身份",
            "ID photo (JPEG or PNG, at most 2 MB), for the identity check at check-in",
        ),
        "reg.photo_upload": ("上传照片", "Upload photo"),
        "status.registered": ("已报名", "Registered"),
        "status.withdrawn": ("已退赛", "Withdrawn"),
        "status.disqualified": ("取消资格", "Disqualified"),
        "imp.title": ("导入报名表", "Import registrations"),
        "imp.help": (
            "上传填好的报名表（.xlsx，或 UTF-8/GBK 编码的 .csv）。系统先检查整张表，列出每个有问题的单元格；再由您选择：有错误时全部不导入，或只导入正确的行。重复导入同一张表不会产生重复报名。",
            "Upload the filled-in sheet (.xlsx, or .csv in UTF-8 or GBK). The whole sheet is checked first and every bad cell listed; then you choose: import nothing while there are errors, or import only the valid rows. Importing the same sheet again creates no duplicates.",
        ),
        "imp.file": ("报名表文件", "Registration file"),
        "imp.check": ("检查", "Check"),
        "imp.import_all": ("全部导入（须无错误）", "Import all (only if no errors)"),
        "imp.import_valid": ("只导入正确的行", "Import only the valid rows"),
        "imp.counts": (
            "共 {total} 行：正确 {valid} 行（新增 {new}、更新 {update}、无变化 {unchanged}），有错误 {invalid} 行。",
            "{total} rows: {valid} valid ({new} new, {update} updated, {unchanged} unchanged), {invalid} with errors.",
        ),
        "imp.errors": ("错误", "Errors"),
        "imp.warnings": ("提醒", "Warnings"),
        "imp.row": ("行", "Row"),
        "imp.column": ("列", "Column"),
        "imp.reason": ("原因", "Reason"),
        "imp.stored": (
            "已导入：新增 {created} 人，更新 {updated} 人，无变化 {unchanged} 人。",
            "Imported: {created} new, {updated} updated, {unchanged} unchanged.",
        ),
        "imp.refused": (
            "表中有错误，未导入任何数据。请修改后重新上传，或选择只导入正确的行。",
            "The sheet has errors; nothing was imported. Fix it and upload again, or import only the valid rows.",
        ),
        "imp.summary": ("各项目报名人数", "Entrants per skill and group"),
    }
)


@get("/events/{event_id:int}/contestants", include_in_schema=False, guards=[allowed("manage_registration")])
async def contestants_page(
    request: Request, event_id: int, q: str = "", skill_id: int | None = None, status: str | None = None, offset: int = 0
) -> Template:
    event = events.event_json(await events.get_event(event_id))
    skills = await events.list_skills(event_id)
    found = await service.list_contestants(event_id, q=q, skill_id=skill_id, status=status or None, limit=100, offset=offset)
    summary = await service.summary(event_id)
    return await render(
        request,
        "registration_list.html",
        event=event,
        skills=skills,
        found=found,
        q=q,
        skill_id=skill_id,
        status=status or "",
        offset=offset,
        statuses=service.STATUSES,
        summary=summary,
    )


def _doc_types() -> list[dict[str, str]]:
    """The document types for the form's select (``scoring.identity.DOC_TYPES``), in both languages."""
    return [{"code": d.code, "zh": d.label.zh, "en": d.label.en} for d in DOC_TYPES.values()]


@get("/events/{event_id:int}/contestants/new", include_in_schema=False, guards=[allowed("manage_registration")])
async def new_contestant_page(request: Request, event_id: int) -> Template:
    event = events.event_json(await events.get_event(event_id))
    return await render(
        request,
        "registration_form.html",
        event=event,
        skills=await events.list_skills(event_id),
        c=None,
        doc_types=_doc_types(),
        levels=list(SkillLevel),
        statuses=service.STATUSES,
    )


@get("/events/{event_id:int}/contestants/{contestant_id:int}", include_in_schema=False, guards=[allowed("manage_registration")])
async def edit_contestant_page(request: Request, event_id: int, contestant_id: int) -> Template:
    event = events.event_json(await events.get_event(event_id))
    c = await service.get_contestant(event_id, contestant_id)
    return await render(
        request,
        "registration_form.html",
        event=event,
        skills=await events.list_skills(event_id),
        c=c,
        doc_types=_doc_types(),
        levels=list(SkillLevel),
        statuses=service.STATUSES,
    )


@get("/events/{event_id:int}/contestants/import", include_in_schema=False, guards=[allowed("manage_registration")])
async def import_page(request: Request, event_id: int) -> Template:
    event = events.event_json(await events.get_event(event_id))
    return await render(request, "registration_import.html", event=event)


def page_handlers() -> list:
    return [contestants_page, new_contestant_page, edit_contestant_page, import_page]
