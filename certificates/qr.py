"""QR codes for certificates, as vector SVG (crisp at any print size in the PDF).

The code is drawn as one ``<path>`` of horizontal runs of dark modules on a white square that
includes the quiet zone, so it scans even when the certificate background is tinted and there
are no hairline seams between modules when a viewer anti-aliases the page.
"""

from __future__ import annotations

import base64
import functools
from xml.sax.saxutils import escape

import qrcode
import qrcode.constants

__all__ = ["qr_matrix", "qr_svg", "qr_data_uri"]

_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def qr_matrix(data: str, *, error_correction: str = "M") -> list[list[bool]]:
    """The module matrix (True = dark) of the smallest QR code holding ``data``, no quiet zone."""
    if not data:
        raise ValueError("QR code data is empty")
    try:
        level = _LEVELS[error_correction.upper()]
    except KeyError:
        raise ValueError(f"error correction {error_correction!r} must be one of L, M, Q, H") from None
    code = qrcode.QRCode(error_correction=level, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


@functools.lru_cache(maxsize=64)
def qr_svg(url: str, *, error_correction: str = "M", quiet_zone: int = 4, dark: str = "#000", light: str = "#fff", title: str | None = None) -> str:
    """A standalone ``<svg>`` element for ``url``; size it with CSS (it scales, viewBox only).

    ``quiet_zone`` is the light margin in modules (the standard asks for 4). ``title`` becomes an
    SVG ``<title>`` (accessible name); the URL itself is not printed.
    """
    matrix = qr_matrix(url, error_correction=error_correction)
    n = len(matrix)
    size = n + 2 * quiet_zone
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start + quiet_zone} {y + quiet_zone}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    title_el = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" shape-rendering="crispEdges">{title_el}'
        f'<rect width="{size}" height="{size}" fill="{escape(light)}"/>'
        f'<path fill="{escape(dark)}" d="{"".join(runs)}"/></svg>'
    )


def qr_data_uri(url: str, **kwargs) -> str:
    """``data:image/svg+xml;base64,…`` of :func:`qr_svg`, for ``<img src>`` or CSS ``url()``."""
    svg = qr_svg(url, **kwargs)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
