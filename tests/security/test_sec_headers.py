"""Security headers, cookies and CSRF.

- CSP, X-Frame-Options, X-Content-Type-Options and Referrer-Policy on every response: every GET
  route the app mounts (as an administrator and anonymously, so pages, API, static files,
  redirects, 401s and 403s), unknown paths, wrong methods and CSRF refusals.
- The session cookie is HttpOnly and SameSite=Lax, and Secure when PUBLIC_BASE_URL is https (a
  server started that way); the CSRF cookie is there (readable by the pages' script, SameSite=Lax,
  Secure under https).
- Every unsafe route (POST, PUT, PATCH, DELETE) refuses a request without the ``X-CSRFToken``
  header, or with a wrong one, with 403 ``csrf`` — signed in or not.
- Redirects after login and language switches stay on the site.
"""

from __future__ import annotations

import re

import httpx
import pytest
from harness import ADMIN_PASSWORD, sqlite_env, start_server
from sec_world import SecWorld, app_routes, fill

EXPECTED = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


def _missing(r: httpx.Response) -> list[str]:
    wrong = [f"{k}={r.headers.get(k)!r}" for k, v in EXPECTED.items() if r.headers.get(k) != v]
    csp = r.headers.get("content-security-policy", "")
    if "default-src 'self'" not in csp or "frame-ancestors 'none'" not in csp:
        wrong.append(f"content-security-policy={csp!r}")
    return wrong


async def test_security_headers_on_every_response(sec_world: SecWorld):
    base = sec_world.server.base_url
    admin_cookies = dict(sec_world.admin.http.cookies)
    problems = []
    requests = [(m, fill(p, sec_world.ids)) for m, p in app_routes() if m in ("GET", "HEAD")]
    requests += [("GET", "/no/such/page"), ("GET", "/api/no/such/thing"), ("PUT", "/health"), ("DELETE", "/login"),
                 ("POST", "/api/events"), ("GET", "/static/../../etc/passwd"), ("GET", "/static/missing.js"),
                 ("GET", "/api/events/99999999999999999999"), ("OPTIONS", "/api/events")]  # fmt: skip
    async with httpx.AsyncClient(base_url=base, timeout=30) as anon, httpx.AsyncClient(base_url=base, cookies=admin_cookies, timeout=30) as admin:
        for method, url in requests:
            for who, client in (("admin", admin), ("anonymous", anon)):
                for accept in ("text/html", "application/json"):
                    r = await client.request(method, url, headers={"Accept": accept})
                    wrong = _missing(r)
                    if wrong:
                        problems.append(f"{who} {method} {url} ({accept}) → {r.status_code}: {', '.join(wrong)}")
    assert not problems, f"{len(problems)} responses without the security headers:\n" + "\n".join(problems[:40])


def _cookie(r: httpx.Response, name: str) -> str | None:
    return next((c for c in r.headers.get_list("set-cookie") if c.startswith(name + "=")), None)


def _attrs(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]} | {
        part.strip().lower() for part in cookie.split(";")[1:] if part.strip().lower().startswith("samesite")
    }


async def _login(base: str) -> tuple[httpx.Response, httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        page = await c.get("/login")
        token = re.search(r"csrftoken=([^;]+)", _cookie(page, "csrftoken") or "")
        assert token, page.headers.get_list("set-cookie")
        r = await c.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD},
                         headers={"X-CSRFToken": token.group(1), "Cookie": f"csrftoken={token.group(1)}"})  # fmt: skip
        assert r.status_code == 200, r.text
        return page, r


async def test_session_and_csrf_cookies_over_http(sqlite_server):
    page, login = await _login(sqlite_server.base_url)
    csrf = _cookie(page, "csrftoken")
    session = _cookie(login, "session")
    assert session, login.headers.get_list("set-cookie")
    attrs = _attrs(session)
    assert "httponly" in attrs and "samesite=lax" in attrs and "path" in attrs, session
    assert "secure" not in attrs, "PUBLIC_BASE_URL is http here: a Secure cookie would never come back"
    csrf_attrs = _attrs(csrf)
    assert "samesite=lax" in csrf_attrs and "httponly" not in csrf_attrs, csrf  # the pages' script reads it


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    env = sqlite_env(tmp_path_factory.mktemp("https"), PUBLIC_BASE_URL="https://competition.example")
    server = start_server(env, "https")
    yield server
    server.stop()


async def test_cookies_are_secure_when_the_public_address_is_https(https_server):
    page, login = await _login(https_server.base_url)
    session, csrf = _cookie(login, "session"), _cookie(page, "csrftoken")
    assert {"secure", "httponly", "samesite=lax"} <= _attrs(session), session
    assert {"secure", "samesite=lax"} <= _attrs(csrf), csrf


async def test_every_unsafe_route_needs_the_csrf_header(sec_world: SecWorld):
    base = sec_world.server.base_url
    unsafe = [(m, fill(p, sec_world.ids)) for m, p in app_routes() if m in ("POST", "PUT", "PATCH", "DELETE")]
    assert len(unsafe) > 40
    cookies = dict(sec_world.admin.http.cookies)
    problems = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as anon, httpx.AsyncClient(base_url=base, cookies=cookies, timeout=30) as admin:
        await anon.get("/login")  # an anonymous visitor with a CSRF cookie of their own
        for method, url in unsafe:
            for who, client, headers in (
                ("admin, no header", admin, {}),
                ("admin, wrong header", admin, {"X-CSRFToken": "0" * 64}),
                ("admin, another visitor's token", admin, {"X-CSRFToken": anon.cookies.get("csrftoken", "")}),
                ("anonymous, no header", anon, {}),
            ):
                r = await client.request(method, url, json={}, headers={"Accept": "application/json", **headers})
                if r.status_code != 403 or r.json().get("code") != "csrf":
                    problems.append(f"{who}: {method} {url} → {r.status_code} {r.text[:120]}")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "/\\evil.example", "/\\/evil.example", "/\t/evil.example", "https://evil.example", "/%0a/x\n", "javascript:alert(1)"],
)
async def test_redirects_stay_on_the_site(sqlite_server, target):
    async with httpx.AsyncClient(base_url=sqlite_server.base_url, timeout=30) as c:
        r = await c.get("/lang/en", params={"next": target})
        assert r.status_code in (301, 302, 303, 307) and r.headers["location"] == "/", (target, r.headers.get("location"))
        page = await c.get("/login", params={"next": target})
        assert 'data-redirect="/"' in page.text, (target, re.findall(r'data-redirect="[^"]*"', page.text))
