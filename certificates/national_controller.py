"""HTTP API of the national skills-evaluation record (:mod:`certificates.national`). Thin.

The evaluating body's codes, the next batch (JSON with document numbers masked; .xlsx or CSV with
them in full, audited), marking it sent (the token of the file downloaded), and sent batches."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post, put

from certificates import national
from kernel.audit import Actor
from kernel.errors import request_lang
from kernel.guards import allowed

MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv; charset=utf-8"}


class BodyIn(msgspec.Struct):
    category: str = ""
    body_code: str = ""
    province: str = "44"
    site_code: str = ""


class SendIn(msgspec.Struct):
    token: str = ""


def _download(content: bytes, fmt: str, name: str, ascii_name: str, token: str = "") -> Response[bytes]:
    from urllib.parse import quote

    headers = {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}.{fmt}\"; filename*=UTF-8''{quote(name)}.{fmt}",
        "Cache-Control": "private, no-store",
    }
    if token:
        headers["X-Batch-Token"] = token
    return Response(content, media_type=MEDIA[fmt], headers=headers)


class NationalRecordController(Controller):
    path = "/api/events/{event_id:int}/national-record"
    tags = ["certificates"]

    @get("/", summary="The next batch for the national record: rows (document numbers masked), completeness report, token",
         operation_id="national_record_pending", guards=[allowed("read_national_record")])  # fmt: skip
    async def pending(self, request: Request, event_id: int) -> dict[str, Any]:
        out = await national.pending(event_id, request_lang(request))
        out["batches"] = await national.list_batches(event_id)
        return out

    @put("/body", summary="The evaluating body's filing codes (the head of the national certificate numbers)",
         operation_id="national_record_body", guards=[allowed("send_national_record")])  # fmt: skip
    async def body(self, actor: Actor, event_id: int, data: BodyIn) -> dict[str, Any]:
        return await national.set_body(event_id, msgspec.structs.asdict(data), actor)

    # One route per format, so the API document names each one's content type.
    @get("/pending/xlsx", summary="The next batch as .xlsx (full document numbers; audited); its token in X-Batch-Token",
         operation_id="national_record_pending_xlsx", guards=[allowed("send_national_record")], media_type=MEDIA["xlsx"])  # fmt: skip
    async def pending_xlsx(self, actor: Actor, event_id: int) -> Response[bytes]:
        return await self._pending(actor, event_id, "xlsx")

    @get("/pending/csv", summary="The next batch as CSV (full document numbers; audited); its token in X-Batch-Token",
         operation_id="national_record_pending_csv", guards=[allowed("send_national_record")], media_type="text/csv")  # fmt: skip
    async def pending_csv(self, actor: Actor, event_id: int) -> Response[bytes]:
        return await self._pending(actor, event_id, "csv")

    @staticmethod
    async def _pending(actor: Actor, event_id: int, fmt: str) -> Response[bytes]:
        content, token = await national.pending_file(event_id, fmt, actor)
        return _download(content, fmt, f"全国评价记录-待上报-{event_id}", f"national-record-{event_id}-pending", token)

    @post("/send", summary="Mark the next batch as sent: refused while a row is incomplete (422) or when the rows changed (409)",
          operation_id="national_record_send", guards=[allowed("send_national_record")], status_code=201)  # fmt: skip
    async def send(self, request: Request, actor: Actor, event_id: int, data: SendIn) -> dict[str, Any]:
        return await national.send(event_id, data.token, actor, request_lang(request))

    @get("/batches", summary="Batches sent, newest first", operation_id="national_record_batches", guards=[allowed("read_national_record")])
    async def batches(self, event_id: int) -> list[dict[str, Any]]:
        return await national.list_batches(event_id)

    @get("/batches/{batch_id:int}", summary="A sent batch's rows as sent (document numbers masked)",
         operation_id="national_record_batch", guards=[allowed("read_national_record")])  # fmt: skip
    async def batch(self, event_id: int, batch_id: int) -> list[dict[str, Any]]:
        return await national.batch_rows(event_id, batch_id)

    @get("/batches/{batch_id:int}/xlsx", summary="A sent batch's .xlsx, exactly as sent (full document numbers; audited)",
         operation_id="national_record_batch_xlsx", guards=[allowed("send_national_record")], media_type=MEDIA["xlsx"])  # fmt: skip
    async def batch_xlsx(self, actor: Actor, event_id: int, batch_id: int) -> Response[bytes]:
        return await self._batch(actor, event_id, batch_id, "xlsx")

    @get("/batches/{batch_id:int}/csv", summary="A sent batch's CSV, exactly as sent (full document numbers; audited)",
         operation_id="national_record_batch_csv", guards=[allowed("send_national_record")], media_type="text/csv")  # fmt: skip
    async def batch_csv(self, actor: Actor, event_id: int, batch_id: int) -> Response[bytes]:
        return await self._batch(actor, event_id, batch_id, "csv")

    @staticmethod
    async def _batch(actor: Actor, event_id: int, batch_id: int, fmt: str) -> Response[bytes]:
        content = await national.batch_file(event_id, batch_id, fmt, actor)
        return _download(content, fmt, f"全国评价记录-批次{batch_id}", f"national-record-{event_id}-batch-{batch_id}")
