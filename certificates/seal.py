"""The issuing body's seal (印章), uploaded by the organiser per event and printed over the issuer's
name and date on the certificates (``certificates/templates/base.html``).

Stored like the other uploads, as files in the data directory: ``seals/<event>/<hash>.png|svg``
(named by the first 16 hex digits of the content's SHA-256, so a file never changes once written)
and ``seals/<event>/current``, the name of the seal in use. Issuing records the name in each
certificate's data (``seal``), so a certificate rendered again later prints the seal it was issued
with, even after a new one is uploaded.

Checked on upload: at most 1 MB; a PNG (by its signature, at least 64 × 64 pixels) or an SVG that
is well-formed XML with an ``<svg>`` root, without a DOCTYPE or entities, scripts, event handlers,
embedded HTML or references to other files or sites (WeasyPrint and browsers would fetch them).
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from kernel import audit
from kernel.db import write_transaction
from kernel.errors import invalid, not_found
from kernel.i18n import register
from kernel.settings import Settings

register({"thing.seal": ("印章", "seal")})

SEAL_MAX_BYTES = 1024 * 1024
MIN_PIXELS = 64
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
_PNG = b"\x89PNG\r\n\x1a\n"
_NAME = re.compile(r"[0-9a-f]{16}\.(png|svg)")
_SVG_NS = "{http://www.w3.org/2000/svg}"
_SVG_BAD = re.compile(rb"<!DOCTYPE|<!ENTITY|<script|<foreignObject|\son[a-z]+\s*=|javascript:", re.I)


def _refuse(zh: str, en: str):
    return invalid("seal", zh, en)


def kind_of(data: bytes) -> str:
    """``png`` or ``svg``, or a 422 saying what is wrong with the file (in the user's words)."""
    if not data:
        raise _refuse("请选择印章图片文件", "choose the seal's image file")
    if len(data) > SEAL_MAX_BYTES:
        raise _refuse("印章图片不能超过 1 MB", "the seal image must be at most 1 MB")
    if data.startswith(_PNG):
        if len(data) < 24 or data[12:16] != b"IHDR":
            raise _refuse("PNG 文件已损坏", "the PNG file is damaged")
        width, height = struct.unpack(">II", data[16:24])
        if width < MIN_PIXELS or height < MIN_PIXELS:
            raise _refuse(
                f"印章图片太小：至少 {MIN_PIXELS}×{MIN_PIXELS} 像素", f"the seal image is too small: at least {MIN_PIXELS}×{MIN_PIXELS} pixels"
            )
        return "png"
    head = data.lstrip()[:512].lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--"):
        if _SVG_BAD.search(data):
            raise _refuse("SVG 印章不能包含脚本、事件或 DOCTYPE", "the SVG seal must not contain scripts, event handlers or a DOCTYPE")
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            raise _refuse("SVG 文件格式不正确", "the SVG file is not well-formed") from None
        if root.tag not in (f"{_SVG_NS}svg", "svg"):
            raise _refuse("SVG 文件的根元素须为 <svg>", "the SVG file's root element must be <svg>")
        for el in root.iter():
            for key, value in el.attrib.items():
                if key.endswith("href") and not value.strip().startswith(("#", "data:image/")):
                    raise _refuse("SVG 印章不能引用其他文件或网址", "the SVG seal must not refer to other files or addresses")
        return "svg"
    raise _refuse("印章须为 PNG 或 SVG 图片", "the seal must be a PNG or SVG image")


def _folder(settings: Settings, event_id: int) -> Path:
    return settings.data_dir / "seals" / str(int(event_id))


def current(settings: Settings, event_id: int) -> str | None:
    """The name of the event's seal in use, or None."""
    pointer = _folder(settings, event_id) / "current"
    try:
        name = pointer.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if _NAME.fullmatch(name) and (pointer.parent / name).is_file() else None


def read(settings: Settings, event_id: int, name: str | None = None) -> tuple[bytes, str]:
    """The bytes and media type of a seal (the current one by default); 404 when there is none."""
    name = name or current(settings, event_id)
    if not name or not _NAME.fullmatch(name):
        raise not_found("seal")
    path = _folder(settings, event_id) / name
    if not path.is_file():
        raise not_found("seal")
    return path.read_bytes(), MEDIA_TYPES[name.rsplit(".", 1)[1]]


def data_uri(settings: Settings, event_id: int, name: str | None) -> str | None:
    """The seal as a ``data:`` URI for the renderer, or None (no seal: the renderer's emblem)."""
    if not name:
        return None
    try:
        content, media_type = read(settings, event_id, name)
    except Exception:  # noqa: BLE001  (a seal file gone missing prints the emblem rather than failing)
        return None
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def info(settings: Settings, event_id: int) -> dict[str, Any]:
    name = current(settings, event_id)
    return {"event_id": event_id, "seal": name, "media_type": MEDIA_TYPES[name.rsplit(".", 1)[1]] if name else None,
            "url": f"/api/events/{event_id}/seal" if name else None}  # fmt: skip


def _write(path: Path, content: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(content)
    tmp.replace(path)


async def save(event_id: int, content: bytes, settings: Settings, actor: audit.Actor) -> dict[str, Any]:
    """Check and store an uploaded seal and make it the event's seal (audited)."""
    kind = kind_of(content)
    digest = hashlib.sha256(content).hexdigest()
    name = f"{digest[:16]}.{kind}"
    folder = _folder(settings, event_id)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / name).is_file():
        _write(folder / name, content)
    _write(folder / "current", name.encode("ascii"))
    async with write_transaction():
        await audit.record("certificate.seal", actor, event_id=event_id, target=f"event:{event_id}",
                           details={"seal": name, "bytes": len(content), "sha256": digest})  # fmt: skip
    return info(settings, event_id)
