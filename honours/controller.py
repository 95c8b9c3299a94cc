"""``/api/honours/…``: the annual selection and the referral lists.

The organiser (``manage_selection``/``approve_selection``) runs rounds; a nominating body's account
(``nominate``) and a reviewer (``review_selection``) act in the rounds they are appointed to; the
公示/公布 list and objections are public (objections rate-limited like appeals' look-ups)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from honours import referrals, service
from kernel import audit, ratelimit
from kernel.audit import Actor
from kernel.errors import invalid, request_lang
from kernel.guards import actor_of, allowed, require_principal
from kernel.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _xlsx(content: bytes, filename: str) -> Response[bytes]:
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename=\"download.xlsx\"; filename*=UTF-8''{quote(filename)}",
                                                       "Cache-Control": "private, no-store"})  # fmt: skip


class SelectionController(Controller):
    path = "/api/honours"
    tags = ["honours"]

    @get("/rounds", summary="Selection rounds, newest first", operation_id="selection_rounds", guards=[allowed("manage_selection")])
    async def rounds(self) -> list[dict[str, Any]]:
        return await service.list_rounds()

    @post("/rounds", summary="Open a selection round: honours with places, quotas per body, eligibility rules, criteria, stage dates",
          operation_id="selection_round_open", guards=[allowed("manage_selection")], status_code=201)  # fmt: skip
    async def open_round(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        # The setup page sends the whole round as one JSON field, ``round``.
        return await service.create_round(data["round"] if isinstance(data.get("round"), dict) else data, actor)

    @get("/rounds/{round_id:int}", summary="One round with its quotas and what is used", operation_id="selection_round",
         guards=[allowed("manage_selection")])  # fmt: skip
    async def one_round(self, request: Request, round_id: int) -> dict[str, Any]:
        return await service.get_round(round_id, request_lang(request))

    @post("/rounds/{round_id:int}/stages", summary="Change the round's stage dates (until it is announced)", operation_id="selection_stages",
          guards=[allowed("manage_selection")], status_code=200)  # fmt: skip
    async def stages(self, actor: Actor, round_id: int, data: dict[str, Any]) -> dict[str, Any]:
        return await service.set_stages(round_id, data, actor)

    @post("/rounds/{round_id:int}/members", summary="Appoint an account as a nominating body or reviewer of the round",
          operation_id="selection_appoint", guards=[allowed("manage_selection")], status_code=200)  # fmt: skip
    async def appoint(self, actor: Actor, round_id: int, data: dict[str, Any]) -> dict[str, Any]:
        return await service.appoint(round_id, data, actor)

    @get("/rounds/{round_id:int}/nominations", summary="All nominations of the round (ID numbers masked)", operation_id="selection_nominations",
         guards=[allowed("manage_selection")])  # fmt: skip
    async def all_nominations(self, round_id: int) -> list[dict[str, Any]]:
        return await service.nominations(round_id)

    # The nominating body.
    @get("/rounds/{round_id:int}/mine", summary="A nominating body's view: its quotas, what is left, its nominations",
         operation_id="selection_nominator_view", guards=[allowed("nominate")])  # fmt: skip
    async def mine(self, request: Request, round_id: int) -> dict[str, Any]:
        p = await require_principal(request)
        member = await service._member(round_id, p, "nominator")
        r = await service.get_round(round_id, request_lang(request))
        return {"round": r | {"quotas": [q for q in r["quotas"] if q["body"] == member["body"]]}, "body": member["body"],
                "nominations": await service.nominations(round_id, body=member["body"], reveal=True)}  # fmt: skip

    @get("/rounds/{round_id:int}/dossier", summary="The verified records of a person (before nominating): results, honours, levels, certificates",
         operation_id="selection_dossier", guards=[allowed("nominate")])  # fmt: skip
    async def dossier(self, request: Request, round_id: int, id_number: str) -> dict[str, Any]:
        p = await require_principal(request)
        await service._member(round_id, p, "nominator")
        await audit.record("selection.dossier_read", _actor(request, p), target=f"selection_round:{round_id}")
        return await service.dossier_for(id_number)

    @post("/rounds/{round_id:int}/nominations", summary="Nominate a candidate within the body's quota; the dossier is filled from the records",
          operation_id="selection_nominate", guards=[allowed("nominate")], status_code=201)  # fmt: skip
    async def nominate(self, request: Request, actor: Actor, round_id: int, data: dict[str, Any]) -> dict[str, Any]:
        return await service.nominate(round_id, await require_principal(request), data, actor)

    @post("/nominations/{nomination_id:int}/attachments", summary="Attach a PDF, PNG or JPEG (at most 5 MB, type checked by content)",
          operation_id="selection_attach", guards=[allowed("nominate")], request_max_body_size=service.ATTACHMENT_MAX_BYTES + 64 * 1024,
          status_code=201)  # fmt: skip
    async def attach(
        self, request: Request, actor: Actor, nomination_id: int, data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
    ) -> dict[str, Any]:
        upload = data.get("file") if isinstance(data, dict) else None
        if not isinstance(upload, UploadFile):
            raise invalid("file", "请选择附件文件", "choose the attachment's file")
        title = data.get("title") if isinstance(data.get("title"), str) else ""
        return await service.attach(nomination_id, await require_principal(request), await upload.read(), title, _settings(request), actor)

    # Review.
    @get("/rounds/{round_id:int}/review", summary="The reviewer's candidates: masked, who to stand aside from, own scores",
         operation_id="selection_review_view", guards=[allowed("review_selection")])  # fmt: skip
    async def review_view(self, request: Request, round_id: int) -> list[dict[str, Any]]:
        return await service.reviewer_view(round_id, await require_principal(request))

    @post("/nominations/{nomination_id:int}/scores", summary="Score a candidate on every criterion (conflicts of interest refused)",
          operation_id="selection_score", guards=[allowed("review_selection")], status_code=201)  # fmt: skip
    async def score(self, request: Request, actor: Actor, nomination_id: int, data: dict[str, Any]) -> dict[str, Any]:
        return await service.score(nomination_id, await require_principal(request), data.get("scores"), actor)

    @post("/rounds/{round_id:int}/second-review", summary="Open the second review round (once, before the list is confirmed)",
          operation_id="selection_second_review", guards=[allowed("manage_selection")], status_code=200)  # fmt: skip
    async def second_review(self, actor: Actor, round_id: int) -> dict[str, Any]:
        return await service.open_second_review(round_id, actor)

    # The list, 公示, 公布.
    @get("/rounds/{round_id:int}/list", summary="The proposed list: per honour, ranked by the reviewers' trimmed mean",
         operation_id="selection_list", guards=[allowed("approve_selection")])  # fmt: skip
    async def proposed(self, round_id: int) -> dict[str, Any]:
        return await service.proposed_list(round_id)

    @post("/rounds/{round_id:int}/approve", summary="Confirm the proposed list", operation_id="selection_approve",
          guards=[allowed("approve_selection")], status_code=200)  # fmt: skip
    async def approve(self, actor: Actor, round_id: int) -> dict[str, Any]:
        return await service.approve(round_id, actor)

    @post("/rounds/{round_id:int}/publicise", summary="Publish the confirmed list for the objection period (公示)", operation_id="selection_publicise",
          guards=[allowed("approve_selection")], status_code=200)  # fmt: skip
    async def publicise(self, actor: Actor, round_id: int) -> dict[str, Any]:
        return await service.publicise(round_id, actor)

    @get("/rounds/{round_id:int}/objections", summary="Objections filed during the 公示", operation_id="selection_objections",
         guards=[allowed("approve_selection")])  # fmt: skip
    async def objections(self, round_id: int) -> list[dict[str, Any]]:
        return await service.objections(round_id)

    @post("/rounds/{round_id:int}/objections/{objection_id:int}/decision", summary="Decide an objection: upheld strikes the candidate",
          operation_id="selection_objection_decide", guards=[allowed("approve_selection")], status_code=200)  # fmt: skip
    async def decide(self, actor: Actor, round_id: int, objection_id: int, data: dict[str, Any]) -> dict[str, Any]:
        return await service.decide_objection(round_id, objection_id, data, actor)

    @post("/rounds/{round_id:int}/announce", summary="Announce (公布): certificates issued, honours recorded as held", operation_id="selection_announce",
          guards=[allowed("approve_selection")], status_code=200)  # fmt: skip
    async def announce(self, actor: Actor, round_id: int) -> dict[str, Any]:
        return await service.announce(round_id, actor)

    # Referral lists.
    @get("/referrals/may-day", summary="The year's 五一劳动奖章 referral list (ID numbers masked)", operation_id="referrals_may_day",
         guards=[allowed("read_referrals")])  # fmt: skip
    async def may_day(self, year: int) -> list[dict[str, Any]]:
        return await referrals.may_day_list(year)

    @get("/referrals/may-day.xlsx", summary="The 五一劳动奖章 referral list as .xlsx (full ID numbers; audited)", operation_id="referrals_may_day_xlsx",
         guards=[allowed("read_referrals")], media_type=XLSX)  # fmt: skip
    async def may_day_xlsx(self, actor: Actor, year: int) -> Response[bytes]:
        rows = await referrals.may_day_list(year, masked=False)
        await audit.record("referrals.export", actor, target="may_day", details={"year": year, "rows": len(rows)})
        return _xlsx(referrals.may_day_xlsx(rows), f"{year}年五一劳动奖章推荐名单.xlsx")

    @get("/referrals/national", summary="Candidates for 全国技术能手 nominations (ID numbers masked)", operation_id="referrals_national",
         guards=[allowed("read_referrals")])  # fmt: skip
    async def national(self, year: int) -> list[dict[str, Any]]:
        return await referrals.national_candidates(year)

    @get("/referrals/national.xlsx", summary="Candidates for 全国技术能手 nominations as .xlsx (audited)", operation_id="referrals_national_xlsx",
         guards=[allowed("read_referrals")], media_type=XLSX)  # fmt: skip
    async def national_xlsx(self, actor: Actor, year: int) -> Response[bytes]:
        rows = await referrals.national_candidates(year, masked=False)
        await audit.record("referrals.export", actor, target="national", details={"year": year, "rows": len(rows)})
        return _xlsx(referrals.national_xlsx(rows), f"{year}年全国技术能手推荐人选.xlsx")


def _actor(request: Request, p) -> Actor:
    return actor_of(request, p)


@get("/api/public/honours/{round_id:int}", summary="The public 公示 / 公布 list of a selection round", operation_id="selection_public_notice",
     tags=["honours"])  # fmt: skip
async def public_notice(request: Request, round_id: int) -> dict[str, Any]:
    return await service.public_notice(round_id, request_lang(request))


@post("/api/public/honours/{round_id:int}/objections", summary="File an objection during the 公示 (name, contact, reason); rate-limited",
      operation_id="selection_file_objection", tags=["honours"], status_code=201)  # fmt: skip
async def file_objection(request: Request, actor: Actor, round_id: int, data: dict[str, Any]) -> dict[str, Any]:
    await ratelimit.of(request).verify(request)
    return await service.file_objection(round_id, data, actor)
