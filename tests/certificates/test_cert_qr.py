"""QR codes as SVG: the drawn path covers exactly the dark modules, with a quiet zone."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import pytest

from certificates.qr import qr_data_uri, qr_matrix, qr_svg

URL = "https://zs.hrss.gd.gov.cn/verify/GD2026-SZ3-A-000123-9"
SVG = "{http://www.w3.org/2000/svg}"


def _modules_from_svg(svg: str) -> tuple[int, set[tuple[int, int]]]:
    root = ET.fromstring(svg)
    size = int(root.get("viewBox").split()[2])
    dark = set()
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", root.find(f"{SVG}path").get("d")):
        dark.update((int(x) + i, int(y)) for i in range(int(w)))
    return size, dark


def test_svg_path_draws_exactly_the_matrix():
    matrix = qr_matrix(URL)
    size, dark = _modules_from_svg(qr_svg(URL))
    assert size == len(matrix) + 8  # 4-module quiet zone on each side
    expected = {(x + 4, y + 4) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}
    assert dark == expected


def test_svg_is_standalone_and_scalable():
    root = ET.fromstring(qr_svg(URL, title="验证 <证书>"))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox").startswith("0 0 ")
    assert root.find(f"{SVG}title").text == "验证 <证书>"
    assert root.find(f"{SVG}rect").get("fill") == "#fff"  # light background under the quiet zone


def test_data_uri_round_trip():
    uri = qr_data_uri(URL)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == qr_svg(URL)


def test_error_correction_level_changes_size():
    assert len(qr_matrix(URL, error_correction="H")) > len(qr_matrix(URL, error_correction="L"))


@pytest.mark.parametrize(("data", "kwargs"), [("", {}), (URL, {"error_correction": "X"})])
def test_bad_input(data, kwargs):
    with pytest.raises(ValueError):
        qr_matrix(data, **kwargs)
