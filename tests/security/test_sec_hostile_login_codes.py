"""Tablet login codes never appear in the server's log.

A judge's login card carries ``/login?code=ABCD-EFGH&next=/tablet`` (the QR code's URL): the page
fills the code in and posts it to ``POST /auth/code``. The access log (``--log-level info``)
wrote every path with its query string, so every code was in the log file, readable by whoever
reads logs, and usable until it expires if the judge had not used it yet. The log redaction that
masks ID numbers now removes ``code=`` parameters too, in the access log and in error logs; and
``deploy/nginx.conf`` logs requests with the code replaced as well.
"""

from __future__ import annotations

import subprocess

import httpx
import pytest
from harness import ADMIN_PASSWORD, Client, free_port, new_event, new_skill, sqlite_env, start_server, unique


@pytest.fixture(scope="module")
def info_server(tmp_path_factory):
    server = start_server(sqlite_env(tmp_path_factory.mktemp("codes")), "codes", log_level="info")
    yield server
    server.stop()


def _variants(code: str) -> set[str]:
    raw = code.replace("-", "")
    return {code, code.lower(), raw, raw.lower(), code.replace("-", "%2D")}


async def test_login_codes_are_not_in_the_log(info_server):
    server = info_server
    admin = Client(server.base_url)
    await admin.login("admin", ADMIN_PASSWORD)
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    r = await admin.post(
        f"/api/events/{event['id']}/accounts",
        json={
            "display_name": "平板裁判",
            "role": "judge",
            "skill_id": skill["id"],
            "username": unique("tablet-").lower(),
            "password": "password-123",
        },
    )
    assert r.status_code == 201, r.text
    user_id = r.json()["id"]

    async def issue() -> dict:
        r = await admin.post(f"/api/events/{event['id']}/accounts/{user_id}/login-code", json={})
        assert r.status_code in (200, 201), r.text
        return r.json()

    codes = []
    # The card's link, as the tablet opens it: the page, then the form it submits.
    card = await issue()
    codes.append(card["code"])
    path = card["login_url"].removeprefix("http://testserver.local")
    assert path.startswith("/login?code=")
    tablet = Client(server.base_url)
    page = await tablet.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and card["code"] in page.text
    r = await tablet.post("/auth/code", json={"code": card["code"]})
    assert r.status_code == 200, r.text
    await tablet.aclose()
    # Typed in: lower case, the code posted directly; and a code used twice, refused the second time.
    typed = await issue()
    codes.append(typed["code"])
    other = Client(server.base_url)
    assert (await other.get(f"/login?next=/tablet&code={typed['code'].lower()}", headers={"Accept": "text/html"})).status_code == 200
    assert (await other.post("/auth/code", json={"code": typed["code"].lower()})).status_code == 200
    assert (await other.post("/auth/code", json={"code": typed["code"]})).status_code == 401
    # A wrong code, in the URL and posted; and one inside another parameter (a redirect back to login).
    wrong = "ZZZZ-" + unique()[:4].replace("0", "Z").replace("1", "Y")
    codes.append(wrong)
    assert (await other.get(f"/login?code={wrong}", headers={"Accept": "text/html"})).status_code == 200
    assert (await other.post("/auth/code", json={"code": wrong})).status_code == 401
    assert (await other.get(f"/login?next=%2Flogin%3Fcode%3D{wrong}", headers={"Accept": "text/html"})).status_code == 200
    assert (await other.get(f"/api/nowhere?code={wrong}")).status_code == 404
    await other.aclose()
    await admin.aclose()

    log = server.log()
    assert '"GET /login?' in log, "the access log is not in the file (is --log-level info in effect?)"
    leaked = [(v, line) for c in codes for v in _variants(c) for line in log.splitlines() if v in line]
    assert not leaked, "login codes in the server log:\n" + "\n".join(f"  {v}: {line[:200]}" for v, line in leaked[:10])
    assert "code=[redacted]" in log


def test_redaction_of_code_parameters():
    from kernel.security import redact

    assert redact('"GET /login?code=ABCD-EFGH&next=/tablet HTTP/1.1" 200') == '"GET /login?code=[redacted]&next=/tablet HTTP/1.1" 200'
    assert redact("/login?next=/tablet&CODE=abcd%2Defgh") == "/login?next=/tablet&CODE=[redacted]"
    assert redact("/login?next=%2Flogin%3Fcode%3DABCD-EFGH%26x%3D1") == "/login?next=%2Flogin%3Fcode%3D[redacted]%26x%3D1"
    # Not a URL parameter: error codes in messages and bodies, other parameters ending in "code".
    for text in ('{"code": "bad_code"}', "status code=500", "/api/skills?skill_code=S1", "/api/x?occupation_code=6-31-01-03"):
        assert redact(text) == text


def test_nginx_logs_the_login_link_without_its_code(info_server, tmp_path):
    from ops_services import nginx_binary as _nginx
    from ops_services import nginx_config as _config
    from ops_services import wait_port

    nginx = _nginx()
    port = free_port()
    app_port = int(info_server.base_url.rsplit(":", 1)[1])
    upstream = f"upstream competition_app {{\n    server 127.0.0.1:{app_port};\n    keepalive 32;\n    keepalive_timeout 4s;\n}}\n"
    main = _config(tmp_path, port, upstream)
    proxy = subprocess.Popen([nginx, "-c", str(main), "-p", str(tmp_path), "-g", "daemon off;"], stderr=open(tmp_path / "nginx.out", "w"))
    try:
        wait_port(port, True)
        front = f"http://127.0.0.1:{port}"
        for path in ("/login?code=QRST-UVWX&next=/tablet", "/login?next=/tablet&code=qrst-uvwx", "/login?CODE=QRSTUVWX"):
            assert httpx.get(front + path, headers={"Accept": "text/html"}).status_code == 200
        assert httpx.get(front + "/login?next=/tablet").status_code == 200
    finally:
        proxy.terminate()
        proxy.wait(10)
    log = (tmp_path / "access.log").read_text()
    assert log.count("GET /login?") == 4, log
    assert "qrst" not in log.lower(), log
    assert log.count("code=[redacted]") == 2 and "CODE=[redacted]" in log and "/login?next=/tablet HTTP" in log, log
