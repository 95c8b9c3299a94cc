"""Security helpers shared by the app (each one found by a test in ``tests/security``).

- Log redaction: every log record created in the process (the app's loggers, Litestar's, uvicorn's
  access log with its paths and query strings) has resident ID numbers and mainland mobile numbers
  masked (``440106********123X``, ``138****8000``), and tablet login codes in URLs
  (``/login?code=…``, also percent-encoded inside another parameter) replaced by ``code=[redacted]``,
  tracebacks included. ``create_app`` installs it.
- Hostile input that reaches the database: ``input_error`` turns an id beyond the database's
  integer range (SQLite ``OverflowError``, asyncpg "value out of int32 range") into 404 (in the
  path) or 422, Litestar's crash on a multipart form without a file into 400, and PostgreSQL's
  refusal of NUL characters in text into 422; ``errors.app_error_handler`` asks it first.
- Spreadsheet output is ``scoring.spreadsheet`` (there, not here, so the pure scoring core can use
  it too): every .xlsx and .csv export writes text that looks like a formula (``=HYPERLINK(…)``,
  ``=cmd|' /C calc'!A0``, ``+…``, ``-…``, ``@…``) as text.
- ``security_headers``: CSP, X-Frame-Options, nosniff and Referrer-Policy on every response,
  including those no route handler makes (404, 405, CSRF refusals, static files).
- ``safe_next``: redirect targets after login or a language switch stay on the site.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from kernel.i18n import register

register(
    {
        "error.out_of_range": ("数字超出允许的范围", "A number is out of the allowed range"),
        "error.no_file": ("请上传文件", "Upload a file"),
        "error.nul_text": ("文本中不能含有空字符（\\0）", "Text must not contain NUL characters (\\0)"),
        "error.too_large": ("请求内容过大", "The request is too large"),
    }
)

#: Largest id the schema can hold everywhere (PostgreSQL ``serial``/``integer`` columns).
MAX_ID = 2**31 - 1

# 18-character resident ID (17 digits and a check digit or X), not inside a longer run of letters/digits.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# Mainland mobile number, optionally written with +86/86 before it.
_PHONE_RE = re.compile(r"(?<!\d)((?:86)?1[3-9]\d)(\d{4})(\d{4})(?!\d)")


# A one-time login code as a URL parameter (the tablet's login link is /login?code=…&next=…),
# plain or percent-encoded inside another parameter (next=%2Flogin%3Fcode%3D…).
_CODE_PARAM_RE = re.compile(r"(?i)([?&;]code=)[^&\s\"'#]+")
_CODE_PARAM_ENCODED_RE = re.compile(r"(?i)((?:%3F|%26)code%3D)(?:[A-Za-z0-9+._~-]|%(?!26|23)[0-9A-Fa-f]{2})+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with ID numbers and mobile numbers masked and login codes in URLs removed."""
    if "ode" in text or "ODE" in text:  # cheap test first: most log lines name no code parameter
        text = _CODE_PARAM_RE.sub(lambda m: m.group(1) + REDACTED, text)
        text = _CODE_PARAM_ENCODED_RE.sub(lambda m: m.group(1) + REDACTED, text)
    if not any(c.isdigit() for c in text):
        return text
    text = _ID_RE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


def _redact_arg(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    try:
        text = str(value)
    except Exception:  # noqa: BLE001 - an object that cannot print itself is left for the formatter
        return value
    masked = redact(text)
    return value if masked == text else masked


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    elif record.msg is not None and not isinstance(record.msg, (int, float)):
        masked = redact(str(record.msg))
        if masked != str(record.msg):
            record.msg = masked
    if isinstance(record.args, tuple):
        record.args = tuple(_redact_arg(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _redact_arg(v) for k, v in record.args.items()}
    if record.exc_info and not record.exc_text:
        # Formatted now (as Formatter would later) so the traceback's text can be masked too.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


_installed = False


def install_log_redaction() -> None:
    """Mask personal numbers in every log record this process creates (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True


# ------------------------------------------------------------------------------ response headers

#: On every HTTP response: pages, API, static files, redirects and errors (404, 405, CSRF, guards).
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'",
}
_HEADER_PAIRS = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


async def security_headers(message: Any, scope: Any) -> None:
    """``before_send`` hook: adds the security headers a response does not set itself. Route-level
    ``response_headers`` miss what never reaches a route handler (unknown paths, wrong methods,
    refusals by guards and the CSRF middleware, static files)."""
    if message.get("type") != "http.response.start":
        return
    headers = message.setdefault("headers", [])
    present = {name.lower() for name, _ in headers}
    headers.extend(pair for pair in _HEADER_PAIRS if pair[0] not in present)


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go to after login or a language switch. Browsers read ``/\\evil.example``
    and ``/\\t/evil.example`` as ``//evil.example`` (another site): only plain paths pass."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    return target
