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


async def _confirm_dialog(page, code: str | None = None) -> str:
    """Confirm the confirmation dialog of an irreversible step (``#confirm-dialog``, static/app.js):
    wait for it, type ``code`` — or, when ``None`` and the dialog asks for one, the code it names —
    press its confirm button and wait for it to close. Returns the message it showed."""
    dialog = page.locator("#confirm-dialog[open]")
    await dialog.wait_for()
    message = await dialog.locator("[data-confirm-message]").inner_text()
    asked = await dialog.get_attribute("data-code")
    if asked:
        await dialog.locator("[data-confirm-code-input]").fill(asked if code is None else code)
    await dialog.locator("[data-confirm-ok]").click()
    await dialog.wait_for(state="hidden")
    return message


async def _cancel_dialog(page, *, escape: bool = False) -> str:
    """Cancel the open confirmation dialog (its Cancel button, or Esc); returns the message it showed."""
    dialog = page.locator("#confirm-dialog[open]")
    await dialog.wait_for()
    message = await dialog.locator("[data-confirm-message]").inner_text()
    if escape:
        await page.keyboard.press("Escape")
    else:
        await dialog.locator("[data-confirm-cancel]").click()
    await dialog.wait_for(state="hidden")
    return message


@pytest.fixture
def confirm_dialog():
    """``await confirm_dialog(page, code=None)``: confirm the irreversible step just clicked."""
    return _confirm_dialog


@pytest.fixture
def cancel_dialog():
    """``await cancel_dialog(page, escape=False)``: cancel the irreversible step just clicked."""
    return _cancel_dialog
