"""Browser tests: Playwright for Python driving Debian's Chromium (no browser download needed)."""

from __future__ import annotations

import os
import shutil
from typing import AsyncIterator

import pytest
from harness import IN_CI, OUTPUT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        await b.close()


@pytest.fixture
async def page(browser, request) -> AsyncIterator:
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768})
    pg = await context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    OUTPUT.mkdir(exist_ok=True)
    await pg.screenshot(path=str(OUTPUT / f"{request.node.name}.png"), full_page=True)
    await context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
