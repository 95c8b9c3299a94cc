"""The judge's tablet (``/tablet``) and its service worker (``/sw.js``).

The page is a shell: ``static/tablet.js`` loads the judge's skills, aspects and contestants from
``GET /api/judge/assignments`` and sends every mark over the one websocket ``/ws/judge``. Marks
wait in IndexedDB until the server acknowledges them, so a tablet keeps scoring when the venue's
Wi-Fi drops and flushes its queue when it comes back. The service worker keeps the page, its
assets and the last assignments for offline reloads.

``/sw.js`` is served from the root (a worker's scope cannot be wider than its own path) and is
registered with the scope ``/tablet``, so it controls only this page. Its cache version is a hash
of the assets it caches, written into it as it is served: changing any of them installs a new
worker and drops the old caches; ``Cache-Control: no-cache`` makes browsers check for that on
every visit.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from litestar import Request, get
from litestar.response import Response, Template

from frontend.pages import render
from kernel.errors import request_lang
from kernel.guards import requires_login
from kernel.i18n import register, t

STATIC = Path(__file__).resolve().parent / "static"
#: What the service worker caches (besides the page and the assignments), and what its version hashes.
OFFLINE_ASSETS = ("tablet.js", "icons.js", "live_socket.js", "tablet.css", "app.js", "app.css", "manifest.webmanifest")
VERSION_MARK = "__TABLET_VERSION__"

TEXTS: dict[str, tuple[str, str]] = {
    "tablet.title": ("裁判评分", "Judge scoring"),
    "tablet.link": ("裁判评分平板", "Judge scoring tablet"),
    "tablet.loading": ("正在加载评分任务…", "Loading your assignments…"),
    "tablet.load_failed": ("无法加载评分任务，请检查网络后重试。", "Could not load your assignments; check the network and try again."),
    "tablet.retry": ("重试", "Retry"),
    "tablet.no_skills": ("您没有被分配评分任务。", "You have no scoring assignments."),
    "tablet.no_aspects": ("本项目没有分配给您的评分项。", "No aspect of this skill is assigned to you."),
    "tablet.no_contestants": ("本项目还没有可评分的选手。", "No contestant to score in this skill yet."),
    "tablet.skill": ("竞赛项目", "Skill"),
    "tablet.contestants": ("选手", "Contestants"),
    "tablet.pick_contestant": ("请先选择工位 / 选手。", "Pick a workstation / contestant first."),
    "tablet.workstation": ("工位", "Station"),
    "tablet.workstation_long": ("工位号", "Workstation"),
    "tablet.encrypted": ("加密号", "Encrypted no."),
    "tablet.progress": ("已评 {done}/{total}", "{done}/{total} scored"),
    "tablet.conn_online": ("在线", "Online"),
    "tablet.conn_offline": ("离线", "Offline"),
    "tablet.conn_reconnecting": ("正在重连…", "Reconnecting…"),
    "tablet.conn_connecting": ("正在连接…", "Connecting…"),
    "tablet.conn_login": ("登录已失效", "Signed out"),
    "tablet.login_again": (
        "请重新登录，未上传的评分保存在本机，登录后自动上传。",
        "Log in again; marks not yet uploaded stay on this tablet and go up once you are back.",
    ),
    "tablet.login_link": ("重新登录", "Log in"),
    "tablet.queued": ("待上传", "To upload"),
    "tablet.offline_ready": ("可离线使用", "Works offline"),
    "tablet.offline_unavailable": (
        "本页面不是通过 HTTPS 打开，断网后无法重新加载页面（评分仍会保存在本机）。",
        "This page is not served over HTTPS, so it cannot reload without the network (marks are still kept on this tablet).",
    ),
    "tablet.no_storage": (
        "本浏览器无法在本机保存评分，断网时请勿刷新页面。",
        "This browser cannot keep marks on the tablet; do not reload while offline.",
    ),
    "tablet.other_user": (
        "本机还有 {n} 条其他裁判未上传的评分，该裁判登录后会自动上传。",
        "{n} mark(s) of another judge wait on this tablet; they go up when that judge logs in.",
    ),
    "tablet.wrong_user": ("连接的账号与本页面不一致，请刷新页面。", "The connection belongs to another account; reload the page."),
    "tablet.state_queued": ("待发送", "Queued"),
    "tablet.state_sent": ("发送中", "Sent"),
    "tablet.state_saved": ("已保存", "Saved"),
    "tablet.state_rejected": ("被拒绝", "Rejected"),
    "tablet.state_none": ("未评分", "Not scored"),
    "tablet.saved_at": ("{time} 已保存", "Saved at {time}"),
    "tablet.kind_J": ("评价", "Judgement"),
    "tablet.kind_M": ("测量", "Measurement"),
    "tablet.kind_S": ("主观评分", "Subjective"),
    "tablet.max_mark": ("满分 {max}", "Max {max}"),
    "tablet.points": ("{v} 分", "{v} pts"),
    "tablet.full": ("满分", "Full marks"),
    "tablet.zero": ("零分", "Zero"),
    "tablet.band": ("偏差 ≤ {tol}", "Deviation ≤ {tol}"),
    "tablet.band_out": ("超出公差", "Out of tolerance"),
    "tablet.measured": ("测量偏差", "Measured deviation"),
    "tablet.measured_submit": ("按测量值评分", "Score by measurement"),
    "tablet.measured_value": ("测量 {v}", "measured {v}"),
    "tablet.enter_value": ("分数（0–{max}）", "Mark (0–{max})"),
    "tablet.submit_value": ("保存分数", "Save mark"),
    "tablet.bad_number": ("请输入 0 到 {max} 之间的数", "Enter a number from 0 to {max}"),
    "tablet.desc_0": ("低于行业标准", "Below industry standard"),
    "tablet.desc_1": ("达到行业标准", "Meets industry standard"),
    "tablet.desc_2": ("达到并在部分方面超过行业标准", "Meets and in parts exceeds the standard"),
    "tablet.desc_3": ("优秀，远超行业标准", "Excellent, well beyond the standard"),
    "tablet.flagged": (
        "裁判长要求重新评分：评分差异过大，请讨论后重新打分（无需填写理由）。",
        "Re-score requested: the judges' scores differ too much; discuss and score again (no reason needed).",
    ),
    "tablet.flag_toast": ("{contestant} 的评分项 {aspect} 需要重新评分", "Aspect {aspect} of {contestant} needs re-scoring"),
    "tablet.flag_cleared": ("{contestant} 的评分项 {aspect} 已不再需要重新评分", "Aspect {aspect} of {contestant} no longer needs re-scoring"),
    "tablet.reason_title": ("修改已录入的评分", "Change a mark already entered"),
    "tablet.reason_help": (
        "评分项 {aspect}（{contestant}）：{old} → {new}。修改须填写理由，理由会记入审计记录。",
        "Aspect {aspect} ({contestant}): {old} → {new}. A change needs a reason; it goes into the audit record.",
    ),
    "tablet.reason": ("修改理由", "Reason for the change"),
    "tablet.reason_missing": ("请填写修改理由", "Give a reason"),
    "tablet.reason_confirm": ("确认修改", "Confirm change"),
    "tablet.reason_resend": ("填写理由后重新提交", "Give a reason and resend"),
    "tablet.cancel": ("取消", "Cancel"),
    "tablet.log": ("本机评分记录", "Marks on this tablet"),
    "tablet.log_empty": ("还没有评分。", "No marks yet."),
    "tablet.log_time": ("时间", "Time"),
    "tablet.log_contestant": ("选手", "Contestant"),
    "tablet.log_aspect": ("评分项", "Aspect"),
    "tablet.log_value": ("分数", "Mark"),
    "tablet.log_state": ("状态", "State"),
    "tablet.log_reason": ("理由", "Reason"),
    "tablet.duplicate": ("（重发，未重复保存）", "(re-sent, stored once)"),
    "tablet.logout_pending": (
        "还有 {n} 条评分未上传。退出后它们保存在本机，您再次登录时自动上传。确定退出？",
        "{n} mark(s) are not uploaded yet. They stay on this tablet and go up when you log in again. Log out?",
    ),
}

register(TEXTS)

#: The catalogue subset the script needs (keys without the ``tablet.`` prefix).
JS_TEXTS = [key.removeprefix("tablet.") for key in TEXTS if key not in ("tablet.title", "tablet.link")]

_version_cache: tuple[tuple, str] | None = None


def asset_version() -> str:
    """A short hash of the service worker and everything it caches (recomputed when a file changes)."""
    global _version_cache
    files = [STATIC / "sw.js", *(STATIC / name for name in OFFLINE_ASSETS)]
    stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else (f.name, 0, 0) for f in files)
    if _version_cache is None or _version_cache[0] != stamp:
        h = hashlib.sha256()
        for f in files:
            h.update(f.name.encode() + b"\0" + (f.read_bytes() if f.exists() else b"") + b"\0")
        _version_cache = (stamp, h.hexdigest()[:12])
    return _version_cache[1]


@get("/tablet", include_in_schema=False, guards=[requires_login])
async def tablet_page(request: Request) -> Template:
    lang = request_lang(request)
    texts = {key: t(f"tablet.{key}", lang) for key in JS_TEXTS}
    # ``rendered`` tells a page served by the network from one served by the service worker's cache.
    rendered = f"{time.time_ns():x}-{secrets.token_hex(3)}"
    return await render(request, "tablet.html", texts=texts, rendered=rendered, version=asset_version())


@get("/sw.js", include_in_schema=False)
async def service_worker() -> Response[str]:
    source = (STATIC / "sw.js").read_text(encoding="utf-8").replace(VERSION_MARK, asset_version())
    return Response(source, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})


def page_handlers() -> list:
    return [tablet_page, service_worker]
