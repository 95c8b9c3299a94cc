"""Errors a person can read: every 4xx is JSON ``{code, message, field?}`` in the request's language.

Handlers raise ``AppError`` (or one of its helpers) with a catalogue key; Litestar's own exceptions
(validation, auth, CSRF, rate limit, unknown route) are translated here as well, so no response
leaks an English-only or framework-shaped error body.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException, ValidationException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from kernel import i18n
from kernel.i18n import pick_lang, t
from kernel.security import MAX_ID

log = logging.getLogger("kernel.errors")


class AppError(HTTPException):
    """An error with a stable ``code`` and a catalogue message."""

    def __init__(self, status_code: int, code: str, key: str, *, field: str | None = None, extra: Any = None, **params: Any):
        super().__init__(status_code=status_code, detail=code)
        self.code = code
        self.key = key
        self.field = field
        self.params = params
        self.extra_data = extra

    def message(self, lang: str) -> str:
        params = {k: (t(v, lang) if isinstance(v, str) and v.startswith("thing.") else v) for k, v in self.params.items()}
        return t(self.key, lang, **params)


def not_found(thing: str) -> AppError:
    return AppError(404, "not_found", "error.not_found", what=f"thing.{thing}")


def field_label(field: str, lang: str) -> str:
    """What a person calls a field (``field.<name>`` in the catalogue), or "" when it has no label:
    a message never shows an internal field name (``id_number``), ``field`` in the error body does."""
    key = f"field.{field.split('.')[0]}"
    return i18n.t(key, lang) if i18n.has(key) else ""


def invalid(field: str, reason_zh: str, reason_en: str, code: str = "invalid") -> AppError:
    """A validation failure of one field: the message names the field in the user's words (or only
    gives the reason); the reason comes in both languages; ``field`` names the input for forms."""
    zh_label, en_label = field_label(field, "zh"), field_label(field, "en")
    zh = f"{zh_label}：{reason_zh}" if zh_label else reason_zh
    en = f"{en_label}: {reason_en}" if en_label else reason_en[:1].upper() + reason_en[1:]
    return BilingualError(422, code, field=field, zh=zh, en=en)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any, field: str, *, max_len: int, required: bool = True, single_line: bool = False) -> str:
    """Written text (a name, an appeal, a reason): trimmed, within ``max_len``, without control
    characters (they break spreadsheet exports and pages); ``single_line`` refuses line breaks and
    tabs too."""
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise invalid(field, "应为文本", "must be text")
    if required and not text:
        raise invalid(field, "不能为空", "must not be empty")
    if len(text) > max_len:
        raise invalid(field, f"不能超过 {max_len} 个字符", f"at most {max_len} characters")
    if _CONTROL.search(text) or (single_line and ("\n" in text or "\r" in text or "\t" in text)):
        raise invalid(field, "不能包含控制字符", "must not contain control characters")
    return text


def conflict(thing: str, field: str | None = None) -> AppError:
    return AppError(409, "conflict", "error.conflict", field=field, what=f"thing.{thing}")


def forbidden() -> AppError:
    return AppError(403, "forbidden", "error.forbidden")


class BilingualError(AppError):
    """An error whose message is given directly in both languages (e.g. from a pure module)."""

    def __init__(self, status_code: int, code: str, *, zh: str, en: str, field: str | None = None, extra: Any = None):
        super().__init__(status_code, code, "", field=field, extra=extra)
        self.texts = {"zh": zh, "en": en}

    def message(self, lang: str) -> str:
        return self.texts.get(lang, self.texts["zh"])


def request_lang(request: Request) -> str:
    """The language of a request: ``?lang=`` > ``lang`` cookie > Accept-Language > Chinese."""
    return pick_lang(request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language"))


def _body(code: str, message: str, field: str | None = None, extra: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    if extra is not None:
        body["detail"] = extra
    return body


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api", "/auth", "/ws", "/schema")) and "text/html" in request.headers.get("accept", "")


def app_error_handler(request: Request, exc: Exception) -> Response:
    lang = request_lang(request)
    if not isinstance(exc, HTTPException):
        exc = input_error(request, exc) or exc  # out-of-range ids, a form without its file: 4xx, not 500
    if isinstance(exc, AppError):
        status, body = exc.status_code, _body(exc.code, exc.message(lang), exc.field, exc.extra_data)
    elif isinstance(exc, ValidationException):
        field, reason = _first_validation_problem(exc, lang)
        if field:
            label = field_label(field, lang) or t("error.this_value", lang)
            status, body = 422, _body("invalid", t("error.validation", lang, field=label, reason=reason), field)
        else:
            status, body = 400, _body("invalid_body", t("error.invalid_body", lang, reason=reason))
    elif isinstance(exc, NotAuthorizedException):
        if _wants_html(request):
            return Redirect(path=f"/login?next={request.url.path}")
        status, body = 401, _body("unauthorized", t("error.unauthorized", lang))
    elif isinstance(exc, PermissionDeniedException):
        if "csrf" in str(exc.detail).lower():
            status, body = 403, _body("csrf", t("error.csrf", lang))
        else:
            status, body = 403, _body("forbidden", t("error.forbidden", lang))
    elif isinstance(exc, NotFoundException):
        status, body = 404, _body("not_found", t("error.not_found", lang, what=t("thing.page", lang)))
    elif isinstance(exc, HTTPException) and exc.status_code == 429:
        status, body = 429, _body("rate_limited", t("error.rate_limited", lang))
        return Response(content=body, status_code=status, headers=dict(exc.headers or {}))
    elif isinstance(exc, HTTPException) and exc.status_code == 413:  # past a route's request_max_body_size
        status, body = 413, _body("too_large", t("error.too_large", lang))
    elif isinstance(exc, HTTPException) and exc.status_code == 405:
        status, body = 405, _body("method_not_allowed", t("error.method", lang))
    elif isinstance(exc, HTTPException) and exc.status_code == 400:
        status, body = 400, _body("invalid_body", t("error.invalid_body", lang, reason=str(exc.detail)))
    elif isinstance(exc, HTTPException) and exc.status_code < 500:
        status, body = exc.status_code, _body("http_error", str(exc.detail))
    elif isinstance(exc, HTTPException) and exc.status_code == 503:
        status, body = 503, _body("unavailable", t("error.unavailable", lang, what=str(exc.detail)))
    else:
        if _is_database_down(exc):
            status, body = 503, _body("unavailable", t("error.unavailable", lang, what="database"))
        else:
            log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
            status, body = HTTP_500_INTERNAL_SERVER_ERROR, _body("internal", t("error.internal", lang))
    if _wants_html(request):
        from litestar.response import Template

        return Template(
            template_name="error.html",
            context={"lang": lang, "user": None, "path": request.url.path, "status": status, "message": body["message"]},
            status_code=status,
        )
    return Response(content=body, status_code=status)


def _is_database_down(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in ("ConnectionRefusedError", "CannotConnectNowError", "ConnectionDoesNotExistError", "InterfaceError") or isinstance(exc, OSError)


_TYPE_NAMES = {
    "int": ("整数", "a whole number"),
    "str": ("文本", "text"),
    "bool": ("是/否", "true or false"),
    "float": ("数字", "a number"),
    "object": ("对象", "an object"),
    "array": ("列表", "a list"),
    "date": ("日期（YYYY-MM-DD）", "a date (YYYY-MM-DD)"),
    "null": ("空值", "null"),
}


def _translate(message: str, lang: str) -> str:
    """msgspec's validation messages in the request's language."""
    import re

    zh = lang == "zh"
    m = re.match(r"Expected `([^`]+)`, got `([^`]+)`", message)
    if m:
        names = [_TYPE_NAMES.get(part.strip(), (part.strip(), part.strip())) for part in m.group(1).split("|")]
        wanted = ("或" if zh else " or ").join(n[0 if zh else 1] for n in names)
        return f"应为{wanted}" if zh else f"must be {wanted}"
    m = re.match(r"Object missing required field `([^`]+)`", message)
    if m:
        return "必填" if zh else "is required"
    m = re.match(r"Invalid enum value (.+)", message)
    if m:
        return f"不是可选的值 {m.group(1)}" if zh else f"is not one of the allowed values ({m.group(1)})"
    m = re.match(r"Invalid (RFC3339 encoded )?(date|datetime|time)", message)
    if m:
        return "日期格式应为 YYYY-MM-DD" if zh else "dates are written YYYY-MM-DD"
    return message


def _first_validation_problem(exc: ValidationException, lang: str = "zh") -> tuple[str | None, str]:
    extra = exc.extra
    if isinstance(extra, list) and extra:
        first = extra[0]
        if isinstance(first, dict):
            key = str(first.get("key") or "")
            message = str(first.get("message") or exc.detail)
            # msgspec says "Expected `int`, got `str` - at `$.starts_on`": keep the field name only.
            if " - at `$" in message:
                message, _, where = message.partition(" - at `$")
                if not key:
                    key = where.strip("`.").split("[")[0]
            m = __import__("re").match(r"Object missing required field `([^`]+)`", message)
            if m:
                key = m.group(1)
            if key == "data":  # Litestar names the whole body "data"
                key = ""
            return (key or None), _translate(message, lang)
    return None, _translate(str(exc.detail), lang)


# ------------------------------------------------------------------------------- hostile input


def number_out_of_range(exc: BaseException) -> bool:
    """Did a database driver refuse an integer parameter as too large for its column?"""
    if isinstance(exc, OverflowError):
        return True
    if (type(exc).__module__ or "").startswith("asyncpg"):
        text = str(exc)
        return "out of int" in text and "range" in text or type(exc).__name__ == "NumericValueOutOfRangeError"
    return False


def _multipart_without_file(request: Any, exc: BaseException) -> bool:
    # Litestar's multipart extractor runs next() over the form's files: a form with fields but no
    # file raises StopIteration, which the coroutine turns into RuntimeError.
    content_type = request.headers.get("content-type", "") if request is not None else ""
    return isinstance(exc, RuntimeError) and isinstance(exc.__cause__, StopIteration) and content_type.startswith("multipart/")


def input_error(request: Any, exc: BaseException):
    """The ``AppError`` to answer for an exception the request's own input caused, or None."""
    if number_out_of_range(exc):
        params = getattr(request, "path_params", None) or {}
        log.warning("number out of range on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        if any(isinstance(v, int) and not -MAX_ID - 1 <= v <= MAX_ID for v in params.values()):
            return not_found("page")
        return AppError(422, "out_of_range", "error.out_of_range")
    if _multipart_without_file(request, exc):
        return AppError(400, "invalid", "error.no_file", field="file")
    if type(exc).__name__ in ("CharacterNotInRepertoireError", "UntranslatableCharacterError"):
        # PostgreSQL text cannot hold "\0" (SQLite can): a NUL in any field or query string.
        log.warning("NUL in text on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return AppError(422, "invalid_text", "error.nul_text")
    return None
