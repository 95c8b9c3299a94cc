"""Login, logout, one-time codes, CSRF and the login rate limit, over HTTP."""

import httpx
from harness import ADMIN_PASSWORD, Client, base_env, new_event, new_skill, run_cli, sql, start_server


async def test_login_me_logout(anon):
    r = await anon.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200
    assert "session" in r.cookies or anon.http.cookies.get("session")
    set_cookie = r.headers.get("set-cookie", "")
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie.replace("samesite", "SameSite")
    me = await anon.get("/api/me")
    assert me.status_code == 200 and me.json()["user"]["username"] == "admin"
    assert (await anon.post("/auth/logout")).status_code == 200
    after = await anon.get("/api/me")
    assert after.status_code == 401 and after.json()["code"] == "unauthorized"


async def test_wrong_password_is_refused_in_the_request_language(server):
    zh, en = Client(server.base_url), Client(server.base_url, lang="en")
    try:
        r = await zh.post("/auth/login", json={"username": "admin", "password": "nope-nope"})
        assert r.status_code == 401 and r.json() == {"code": "bad_login", "message": "用户名或密码错误"}
        r = await en.post("/auth/login", json={"username": "nobody", "password": "nope-nope"})
        assert r.status_code == 401 and r.json()["message"] == "Wrong username or password"
    finally:
        await zh.aclose()
        await en.aclose()


async def test_post_without_csrf_token_is_refused(server, admin):
    r = await admin.http.post("/api/events", json={"name": "x", "code": "CSRF1", "tier": "provincial"})
    assert r.status_code == 403 and r.json()["code"] == "csrf"
    r = await admin.http.post("/api/events", json={"name": "x", "code": "CSRF1", "tier": "provincial"}, headers={"X-CSRFToken": "forged"})
    assert r.status_code == 403 and r.json()["code"] == "csrf"
    # Nothing was created by the refused requests.
    events = (await admin.get("/api/events")).json()
    assert all(e["code"] != "CSRF1" for e in events)


async def test_one_time_code_logs_a_judge_in_once(server, admin):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    r = await admin.post(f"/api/events/{event['id']}/accounts", json={"display_name": "张裁判", "role": "judge", "skill_id": skill["id"]})
    assert r.status_code == 201
    judge = r.json()
    assert judge["username"].startswith("judge-")
    r = await admin.post(f"/api/events/{event['id']}/accounts/{judge['id']}/login-code", json={"hours": 12})
    assert r.status_code == 201
    issued = r.json()
    assert issued["login_url"] == f"http://testserver.local/login?code={issued['code']}&next=/tablet"
    assert issued["qr_svg"].lstrip().startswith("<?xml") or "<svg" in issued["qr_svg"]

    tablet = Client(server.base_url)
    try:
        r = await tablet.post("/auth/code", json={"code": issued["code"].lower().replace("-", " ")})
        assert r.status_code == 200, r.text
        roles = r.json()["user"]["roles"]
        assert roles == [{"role": "judge", "event_id": event["id"], "skill_id": skill["id"]}]
        other = Client(server.base_url)
        r = await other.post("/auth/code", json={"code": issued["code"]})
        assert r.status_code == 401 and r.json()["code"] == "bad_code"
        await other.aclose()
    finally:
        await tablet.aclose()


async def test_a_new_code_replaces_the_unused_one(server, admin):
    event = await new_event(admin)
    skill = await new_skill(admin, event["id"])
    judge = (
        await admin.post(f"/api/events/{event['id']}/accounts", json={"display_name": "李裁判", "role": "judge", "skill_id": skill["id"]})
    ).json()
    first = (await admin.post(f"/api/events/{event['id']}/accounts/{judge['id']}/login-code", json={})).json()["code"]
    second = (await admin.post(f"/api/events/{event['id']}/accounts/{judge['id']}/login-code", json={})).json()["code"]
    c = Client(server.base_url)
    try:
        assert (await c.post("/auth/code", json={"code": first})).status_code == 401
        assert (await c.post("/auth/code", json={"code": second})).status_code == 200
    finally:
        await c.aclose()


async def test_login_is_rate_limited(tmp_path):
    env = base_env(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}", COMPETITION_LOGIN_RATE="5/minute")
    run_cli(env, "migrate")
    server = start_server(env, "ratelimit")
    try:
        c = Client(server.base_url)
        codes = [(await c.post("/auth/login", json={"username": "x", "password": "wrong-password"})).status_code for _ in range(7)]
        assert codes[:5] == [401] * 5
        assert codes[5:] == [429, 429]
        r = await c.post("/auth/login", json={"username": "x", "password": "wrong-password"})
        assert r.json()["code"] == "rate_limited" and "RateLimit-Reset" in r.headers or "ratelimit-reset" in r.headers
        # Other routes are not limited by the login limit.
        assert (await c.get("/health")).status_code == 200
        await c.aclose()
    finally:
        server.stop()


async def test_session_cookie_cannot_be_forged(server):
    c = Client(server.base_url)
    c.http.cookies.set("session", "eyJ1aWQiOjF9")
    r = await c.get("/api/me")
    assert r.status_code == 401
    await c.aclose()


async def test_pages_redirect_to_login_when_signed_out(server):
    r = httpx.get(server.base_url + "/events/new", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code in (302, 303, 307) and r.headers["location"].startswith("/login")
    # The home page is the public one for a visitor (events, results, verification, look-up).
    home = httpx.get(server.base_url + "/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert home.status_code == 200 and 'href="/lookup"' in home.text and 'href="/login"' in home.text
    page = httpx.get(server.base_url + "/login")
    assert page.status_code == 200 and "一次性登录码" in page.text
    en = httpx.get(server.base_url + "/login?lang=en")
    assert "One-time login code" in en.text


async def test_a_password_hashed_at_the_test_cost_is_rehashed_at_the_real_one_on_login(tmp_path):
    """The suite hashes at argon2's least cost (COMPETITION_PASSWORD_HASHING=test); a server at the
    default (RFC 9106: t=3, 64 MiB, p=4) still lets such an account in, and stores its hash again at
    its own cost, which the next login verifies."""
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    env = base_env(tmp_path, url)
    run_cli(env, "migrate")
    run_cli(env, "create-user", "cheap", "--name", "便宜的哈希", "--password", ADMIN_PASSWORD, "--admin")
    (before,) = await sql(url, "SELECT password_hash FROM app_user WHERE username = ?", "cheap")
    assert "m=8,t=1,p=1" in before["password_hash"], before
    server = start_server({**env, "COMPETITION_PASSWORD_HASHING": "rfc9106"}, "rehash")
    try:
        for _ in range(2):
            c = Client(server.base_url)
            await c.login("cheap", ADMIN_PASSWORD)
            await c.aclose()
        (after,) = await sql(url, "SELECT password_hash FROM app_user WHERE username = ?", "cheap")
        assert "m=65536,t=3,p=4" in after["password_hash"], after
        c = Client(server.base_url)
        r = await c.post("/auth/login", json={"username": "cheap", "password": "wrong-password"})
        assert r.status_code == 401
        await c.aclose()
    finally:
        server.stop()
