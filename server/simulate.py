"""``competition demo --simulate`` / ``serve --demo --simulate``: simulated judges score the demo event
live, so a new user sees the boards and the chief judge's console move.

The simulator is a client of a running server, exactly like the tablets: it signs in as the demo
organiser, gives each demo skill a realistic marking scheme when it has none (``PUT …/scheme``,
stored by ``marking.live.controller.store_scheme``: theory criterion A and practical criteria B–D
with judgement and measurement aspects, each part adding up to 100, weighted by the event's preset
— 30 / 70 for a provincial event), issues one-time login codes to the demo judges through the API,
signs them in, opens their ``/ws/judge`` sockets and sends marks at a human pace. A panel of judges
walks from workstation to workstation; now and then they disagree on a judgement aspect by more
than the preset allows, the aspect is flagged for re-marking, and after a short "discussion" the
outlying judges re-mark it. Op ids are deterministic, so a re-sent mark is never stored twice;
a second run continues where the first stopped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import random
import threading
import time
from decimal import Decimal
from typing import Any, Callable

import httpx

from competition.demo_data import DEMO_EVENT_CODE, DEMO_PASSWORD, DEMO_USERS, demo_scheme  # noqa: F401
from scoring.aggregation import NEEDS_REMARK, Scorer
from scoring.numbers import decimal_str
from scoring.scheme import BANDED, DEDUCTION, JUDGEMENT, MEASUREMENT, Aspect, scheme_from_dict

PREFIX = "[模拟 / simulate]"
DEFAULT_URL = "http://127.0.0.1:8000"
#: Mean seconds between two marks of one judge (a judge reads the descriptors, looks, types).
DEFAULT_PACE = 1.5
#: Chance that one judge's judgement score is one off the panel's (per judge and aspect).
NOISE = 0.12
#: Chance that a judgement aspect gets one clearly outlying score (two off): a flag, then a re-mark.
DISAGREE = 0.04

# ---- the client --------------------------------------------------------------------------------


class SimulationError(Exception):
    pass


@dataclasses.dataclass
class Stats:
    marks: int = 0
    remarks: int = 0
    flagged: int = 0
    errors: int = 0
    skills: int = 0

    def line(self) -> str:
        return (
            f"已录入 {self.marks} 个分数（复评 {self.remarks}，须复评 {self.flagged} 处，错误 {self.errors}） / "
            f"{self.marks} marks entered ({self.remarks} re-marks, {self.flagged} flagged, {self.errors} errors)"
        )


class Http:
    """An HTTP client that behaves like the pages: session cookie, CSRF header, patient with 429."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, headers={"Accept": "application/json"}, timeout=30)

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        for _ in range(30):
            if method not in ("GET", "HEAD"):
                if not self.http.cookies.get("csrftoken"):
                    await self.http.get("/login", headers={"Accept": "text/html"})
                kw.setdefault("headers", {})["X-CSRFToken"] = self.http.cookies.get("csrftoken") or ""
            r = await self.http.request(method, url, **kw)
            if r.status_code != 429:
                return r
            # Login attempts are rate limited per address; wait as told.
            await asyncio.sleep(min(60.0, float(r.headers.get("retry-after") or 6)))
        return r

    async def json(self, method: str, url: str, ok: tuple[int, ...] = (200, 201), **kw: Any) -> Any:
        r = await self.request(method, url, **kw)
        if r.status_code not in ok:
            raise SimulationError(f"{method} {url}: {r.status_code} {r.text[:300]}")
        return r.json()

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())

    async def aclose(self) -> None:
        await self.http.aclose()


class JudgeBot:
    """One simulated judge: a session from a one-time code and a tablet websocket."""

    def __init__(self, base_url: str, user_id: int, name: str) -> None:
        self.base_url = base_url
        self.user_id = user_id
        self.name = name
        self.http = Http(base_url)
        self.ws: Any = None
        self.reader: asyncio.Task | None = None
        self.waiting: dict[str, asyncio.Future] = {}
        self.aspects: set[str] = set()
        self.refs: list[str] = []

    async def login(self, organiser: Http, event_id: int) -> None:
        code = (await organiser.json("POST", f"/api/events/{event_id}/accounts/{self.user_id}/login-code", json={"hours": 12}))["code"]
        await self.http.json("POST", "/auth/code", json={"code": code})

    async def load_assignment(self, skill_id: int, tries: int = 8) -> None:
        for attempt in range(tries):
            data = await self.http.json("GET", "/api/judge/assignments")
            skill = next((s for s in data["skills"] if s["skill_id"] == skill_id), None)
            self.aspects = {a["id"] for a in skill["aspects"]} if skill else set()
            self.refs = [c["ref"] for c in skill["contestants"]] if skill else []
            if self.aspects or attempt == tries - 1:
                return
            # A scheme stored a moment ago reaches every worker within seconds (their caches).
            await asyncio.sleep(1)

    async def connect(self) -> None:
        import websockets

        url = self.base_url.replace("http://", "ws://").replace("https://", "wss://") + "/ws/judge"
        self.ws = await websockets.connect(url, additional_headers={"Cookie": self.http.cookie_header()}, open_timeout=20, close_timeout=2)
        json.loads(await self.ws.recv())  # welcome
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                frame = json.loads(text)
                fut = self.waiting.pop(frame.get("op_id"), None) if frame.get("type") in ("ack", "error") else None
                if fut is not None and not fut.done():
                    fut.set_result(frame)
        except Exception:
            pass
        for fut in self.waiting.values():
            if not fut.done():
                fut.set_exception(ConnectionError("socket closed"))
        self.waiting.clear()

    async def send(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Send one mark; on a lost socket reconnect and re-send the same op id (stored once)."""
        for attempt in range(5):
            try:
                if self.ws is None:
                    await self.connect()
                fut = asyncio.get_running_loop().create_future()
                self.waiting[frame["op_id"]] = fut
                await self.ws.send(json.dumps(frame, ensure_ascii=False))
                return await asyncio.wait_for(fut, 30)
            except Exception:  # lost socket, timeout: reconnect and re-send (the op id makes it safe)
                self.waiting.pop(frame["op_id"], None)
                await self.close_socket()
                await asyncio.sleep(min(10, 2**attempt))
        raise SimulationError(f"{self.name}: the mark {frame['op_id']} could not be sent")

    async def close_socket(self) -> None:
        if self.ws is not None:
            try:
                await self.ws.close()
            except Exception:
                pass
            self.ws = None
        if self.reader is not None:
            self.reader.cancel()
            self.reader = None

    async def aclose(self) -> None:
        await self.close_socket()
        await self.http.aclose()


class Simulation:
    def __init__(self, base_url: str, *, pace: float, max_marks: int | None, seed: int, noise: float, disagree: float,
                 log: Callable[[str], None]) -> None:  # fmt: skip
        self.base_url = base_url.rstrip("/")
        self.pace = pace
        self.max_marks = max_marks
        self.seed = seed
        self.noise = noise
        self.disagree = disagree
        self.log = log
        self.stats = Stats()
        self.stop = asyncio.Event()
        self.organiser = Http(self.base_url)
        self.bots: list[JudgeBot] = []

    async def pause(self, factor: float = 1.0) -> None:
        if self.pace > 0:
            await asyncio.sleep(self.pace * factor * random.uniform(0.5, 1.5))
        else:
            await asyncio.sleep(0)

    # -- setup ------------------------------------------------------------------------------------

    async def wait_for_server(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if (await self.organiser.http.get("/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SimulationError(f"服务器未响应 / no server answers at {self.base_url}")
            await asyncio.sleep(0.5)

    async def run(self, wait_s: float) -> Stats:
        try:
            await self.wait_for_server(wait_s)
            username, _ = DEMO_USERS["organiser"]
            r = await self.organiser.request("POST", "/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            if r.status_code != 200:
                raise SimulationError(f"演示组织方无法登录 / the demo organiser cannot log in ({r.status_code}); run `competition demo` first")
            events = await self.organiser.json("GET", "/api/events")
            event = next((e for e in events if e["code"] == DEMO_EVENT_CODE), None)
            if event is None:
                raise SimulationError("没有演示赛事 / no demo event: run `competition demo` first")
            event_id = event["id"]
            preset = (await self.organiser.json("GET", f"/api/events/{event_id}/preset"))["effective"]
            skills = await self.organiser.json("GET", f"/api/events/{event_id}/skills")
            self.log(f"{PREFIX} {event['name']}: {len(skills)} 个项目开始评分 / scoring {len(skills)} skills at {self.base_url}")
            results = await asyncio.gather(*(self.score_skill(event_id, s, preset) for s in skills), return_exceptions=True)
            for skill, res in zip(skills, results):
                if isinstance(res, Exception) and not isinstance(res, asyncio.CancelledError):
                    self.stats.errors += 1
                    self.log(f"{PREFIX} {skill['name']}: {res}")
            self.log(f"{PREFIX} 结束 / done: {self.stats.line()}")
            return self.stats
        finally:
            for bot in self.bots:
                await bot.aclose()
            await self.organiser.aclose()

    async def ensure_scheme(self, event_id: int, skill: dict[str, Any], preset: dict[str, Any]) -> dict[str, Any]:
        base = f"/api/events/{event_id}/skills/{skill['id']}/scheme"
        r = await self.organiser.request("GET", base)
        if r.status_code == 200:
            return r.json()["scheme"]
        scheme = demo_scheme(skill["name"], (preset.get("scoring") or {}).get("parts"))
        stored = await self.organiser.json("PUT", base, json={"scheme": scheme})
        self.log(
            f"{PREFIX} {skill['name']}: 已设置评分标准 / marking scheme stored ({sum(1 for _ in scheme_from_dict(stored['scheme']).aspects())} aspects)"
        )
        return stored["scheme"]

    # -- scoring a skill ----------------------------------------------------------------------------

    async def score_skill(self, event_id: int, skill: dict[str, Any], preset: dict[str, Any]) -> None:
        skill_id = skill["id"]
        scheme = scheme_from_dict(await self.ensure_scheme(event_id, skill, preset))
        scorer = Scorer(scheme, preset.get("scoring"))
        needed = max((scorer.rule_for(a).expected_judges() for a in scheme.aspects()), default=1)
        panel = (await self.organiser.json("GET", f"/api/events/{event_id}/skills/{skill_id}/judges"))["members"]
        # Judges first, the chief judge only when the panel needs more hands.
        seats = [m for m in panel if m.get("user_id") and m["role"] == "judge"] + [m for m in panel if m.get("user_id") and m["role"] != "judge"]
        if not seats:
            self.log(f"{PREFIX} {skill['name']}: 没有裁判 / no judges assigned")
            return
        bots = []
        for seat in seats[:needed]:
            bot = JudgeBot(self.base_url, seat["user_id"], seat["name"])
            self.bots.append(bot)
            await bot.login(self.organiser, event_id)
            await bot.load_assignment(skill_id)
            await bot.connect()
            bots.append(bot)
        refs = list(bots[0].refs)
        for bot in bots[1:]:
            refs += [r for r in bot.refs if r not in refs]
        done: dict[tuple[str, str], dict[int, str]] = {}
        for m in (await self.organiser.json("GET", f"/api/events/{event_id}/skills/{skill_id}/marks"))["marks"]:
            done.setdefault((m["contestant"], m["aspect"]), {})[m["judge_id"]] = m["value"]
        self.stats.skills += 1
        self.log(f"{PREFIX} {skill['name']}: {len(bots)} 名裁判上线，{len(refs)} 名选手 / {len(bots)} judges online, {len(refs)} contestants")
        for index, ref in enumerate(refs):
            if self.stop.is_set():
                return
            await self.score_contestant(skill, scheme, scorer, bots, ref, index, done)

    def values_for(self, aspect: Aspect, ability: float, judges: int, rng: random.Random) -> list[dict[str, Any]]:
        """What each judge of the panel enters: ``{"value": …}`` or ``{"measured": …}``."""
        if aspect.kind == JUDGEMENT:
            base = max(0, min(3, round(ability * 3 + rng.gauss(0, 0.35))))
            scores = [max(0, min(3, base + (rng.random() < self.noise) * rng.choice((-1, 1)))) for _ in range(judges)]
            if judges > 1 and rng.random() < self.disagree:
                scores[rng.randrange(judges)] = base - 2 if base >= 2 else base + 2
            return [{"value": str(s)} for s in scores]
        if aspect.kind == MEASUREMENT:
            if aspect.mode == BANDED and aspect.bands:
                tight = min(b.tolerance for b in aspect.bands)
                measured = abs(rng.gauss(0, float(tight) * (0.4 + 1.6 * (1 - ability))))
                return [{"measured": f"{measured:.3f}"}] * judges
            if aspect.mode == DEDUCTION and aspect.deduction_step:
                steps = int(aspect.max_mark / aspect.deduction_step)
                lost = sum(rng.random() < (1 - ability) * 0.5 for _ in range(steps))
                return [{"value": decimal_str(max(Decimal(0), aspect.max_mark - lost * aspect.deduction_step))}] * judges
            full = rng.random() < 0.25 + 0.75 * ability
            return [{"value": decimal_str(aspect.max_mark if full else Decimal(0))}] * judges
        mark = max(0.0, min(float(aspect.max_mark), ability * float(aspect.max_mark) + rng.gauss(0, float(aspect.max_mark) * 0.08)))
        return [{"value": f"{mark:.1f}"} for _ in range(judges)]

    async def score_contestant(self, skill: dict[str, Any], scheme, scorer: Scorer, bots: list[JudgeBot], ref: str, index: int,
                               done: dict[tuple[str, str], dict[int, str]]) -> None:  # fmt: skip
        rng = random.Random(f"{self.seed}:{skill['id']}:{ref}")
        ability = rng.uniform(0.35, 0.97)
        queues: dict[int, list[tuple[str, dict[str, Any]]]] = {b.user_id: [] for b in bots}
        panels: dict[str, list[JudgeBot]] = {}
        for n, aspect in enumerate(scheme.aspects()):
            want = scorer.rule_for(aspect).expected_judges()
            eligible = [b for b in bots if aspect.id in b.aspects and ref in b.refs]
            if len(eligible) < want:
                continue
            shift = (index + n) % len(eligible)
            chosen = (eligible[shift:] + eligible[:shift])[:want] if want < len(eligible) else eligible
            panels[aspect.id] = chosen
            have = done.setdefault((ref, aspect.id), {})
            entries = self.values_for(aspect, ability, want, rng)
            if len(have) >= want:
                continue  # scored in an earlier run (perhaps by other judges of the panel)
            for bot, entry in zip(chosen, entries):
                if bot.user_id not in have:
                    queues[bot.user_id].append((aspect.id, entry))

        async def work(bot: JudgeBot) -> None:
            for aspect_id, entry in queues[bot.user_id]:
                await self.pause()
                await self.mark(skill, bot, ref, aspect_id, entry, done, "m")

        await asyncio.gather(*(work(b) for b in bots))
        # Flags: the panel discusses, the outlying judges re-mark towards the panel's median.
        for aspect_id, chosen in panels.items():
            have = done.get((ref, aspect_id), {})
            if len(have) < len(chosen):
                continue
            if scorer.score_aspect(aspect_id, have).status != NEEDS_REMARK:
                continue
            self.stats.flagged += 1
            values = sorted(Decimal(v) for v in have.values())
            median = decimal_str(values[(len(values) - 1) // 2])
            self.log(f"{PREFIX} {skill['name']} {ref} {aspect_id}: 分差过大须复评 / judges disagree ({', '.join(have.values())}); re-marking")
            await self.pause(4)
            # The furthest judge re-marks first; once the panel agrees the flag clears, and a further
            # change would be a correction (which needs a reason), so the others keep their scores.
            for bot in sorted((b for b in chosen if b.user_id in have), key=lambda b: -abs(Decimal(have[b.user_id]) - Decimal(median))):
                if have[bot.user_id] == median or scorer.score_aspect(aspect_id, have).status != NEEDS_REMARK:
                    break
                await self.pause(0.5)
                if await self.mark(skill, bot, ref, aspect_id, {"value": median}, done, "r"):
                    self.stats.remarks += 1

    async def mark(self, skill: dict[str, Any], bot: JudgeBot, ref: str, aspect_id: str, entry: dict[str, Any],
                   done: dict[tuple[str, str], dict[int, str]], tag: str) -> bool:  # fmt: skip
        have = done.setdefault((ref, aspect_id), {})
        n = sum(1 for k in have if k == bot.user_id) + (1 if tag == "r" else 0)
        op_id = f"sim-{skill['id']}-{ref}-{aspect_id}-{bot.user_id}-{tag}{n}"[:64]
        frame = {"type": "mark", "op_id": op_id, "skill_id": skill["id"], "contestant": ref, "aspect": aspect_id, **entry}
        reply = await bot.send(frame)
        if reply.get("type") == "error":
            self.stats.errors += 1
            self.log(f"{PREFIX} {skill['name']} {ref} {aspect_id} ({bot.name}): {reply.get('code')} {reply.get('message')}")
            return False
        have[bot.user_id] = reply["value"]
        if not reply.get("duplicate"):
            self.stats.marks += 1
            if self.stats.marks % 100 == 0:
                self.log(f"{PREFIX} {self.stats.line()}")
        if self.max_marks is not None and self.stats.marks >= self.max_marks:
            self.stop.set()
        return True


async def run(base_url: str = DEFAULT_URL, *, pace: float = DEFAULT_PACE, max_marks: int | None = None, seed: int = 2026,
              noise: float = NOISE, disagree: float = DISAGREE, wait_s: float = 60, log: Callable[[str], None] = print) -> Stats:  # fmt: skip
    """Score the demo event through a running server at ``base_url``; returns what was done.

    ``max_marks``: stop once that many marks are stored (the contestant in hand is finished first,
    re-marks included). ``pace``: mean seconds between two marks of one judge (0: as fast as the
    server acknowledges). ``disagree``: chance of a clear disagreement per judgement aspect."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the server's log
    sim = Simulation(base_url, pace=pace, max_marks=max_marks, seed=seed, noise=noise, disagree=disagree, log=log)
    return await sim.run(wait_s)


def _say(line: str) -> None:
    print(line, flush=True)


def start_in_background(host: str, port: int) -> threading.Thread:
    """For ``serve --simulate``: the simulator in a thread of its own, once the server answers.

    Its judges sign in from this machine, as the person trying the demo does; so that they do not
    use up that person's login attempts (10 a minute per address by default), a demo server that
    simulates allows 60 a minute unless ``COMPETITION_LOGIN_RATE`` says otherwise."""
    if not os.environ.get("COMPETITION_LOGIN_RATE"):
        os.environ["COMPETITION_LOGIN_RATE"] = "60/minute"  # read by the app factory in the server process
    address = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://[{address}]:{port}" if ":" in address else f"http://{address}:{port}"

    def main() -> None:
        try:
            asyncio.run(run(url, log=_say))
        except Exception as exc:  # the server goes on without the simulator
            _say(f"{PREFIX} 已停止 / stopped: {exc}")

    thread = threading.Thread(target=main, name="demo-simulator", daemon=True)
    thread.start()
    _say(
        f"{PREFIX} 模拟裁判将在服务器启动后开始评分 / simulated judges start scoring once the server is up: "
        f"{url}/board/event/… · {url}/events/…/skills/…/console"
    )
    return thread


def demo_command(serve: Callable[[Any], int], url: str = DEFAULT_URL) -> int:
    """``competition demo --simulate``: score against the server already running at ``url``, or
    start one here (with the simulator in the background)."""
    try:
        running = httpx.get(url + "/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        running = False
    if running:
        _say(f"{PREFIX} 服务器已在运行 / a server is running at {url}; Ctrl-C stops the simulation")
        try:
            stats = asyncio.run(run(url, log=_say))
        except SimulationError as exc:
            _say(f"{PREFIX} {exc}")
            return 1
        except KeyboardInterrupt:
            return 0
        return 0 if stats.errors == 0 else 1
    import argparse

    _say(f"{PREFIX} 启动服务器 / starting the server at {url}")
    host, _, port = url.removeprefix("http://").partition(":")
    return serve(argparse.Namespace(host=host, port=int(port or 8000), workers=1, demo=False, simulate=True, log_level="warning"))
