"""Certificate PDFs: text, embedded CJK font, page size, QR code, batches split per person.

Needs the Debian packages fonts-noto-cjk and libharfbuzz-subset0; the QR test also needs
poppler-utils (pdftoppm) and zbar-tools (zbarimg) and is skipped without them. A preview PNG of
each certificate type is written to ``test-output/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from certificates.numbering import format_number
from certificates.render import (
    CertificateData,
    CertificateRenderer,
    RenderError,
    format_issue_date,
    make_verify_url,
    mask_id_number,
    render_batch,
    render_html,
    render_one,
    render_png_first_page,
)

BASE_URL = "https://zs.hrss.gd.gov.cn"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
ISSUE_DAY = dt.date(2026, 11, 26)
ID_NUMBER = "44010619900101123X"


def make_cert(kind: str = "A", seq: int = 1, name: str = "张晓明", **overrides) -> CertificateData:
    number = format_number("SZ3", kind, seq, 2026)
    fields = dict(
        cert_type=kind,
        number=number,
        holder_name=name,
        event_name="第三届广东省职业技能大赛",
        skill="数控车",
        group="职工组",
        issuer="广东省人力资源和社会保障厅",
        issue_date=ISSUE_DAY,
        verify_url=make_verify_url(BASE_URL, number),
        id_number_masked=ID_NUMBER,
        organisation="广州市机电技师学院",
    )
    if kind == "A":
        fields["award"] = "一等奖"
    elif kind == "H":
        fields["honour"] = "广东省技术能手"
    else:
        fields.update(occupation="车工", occupation_code="6-18-01-01", level_from="高级工（三级）", level_to="技师（二级）")
    fields.update(overrides)
    return CertificateData(**fields)


def text_of(pdf: bytes) -> str:
    """Extracted text of the first page without any whitespace (letter-spaced titles split)."""
    return re.sub(r"\s+", "", PdfReader(io.BytesIO(pdf)).pages[0].extract_text())


def font_names(pdf: bytes) -> list[str]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]
    names = []
    for key in fonts:
        font = fonts[key].get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), "font not embedded"
        names.append(str(font["/BaseFont"]))
    return names


@pytest.fixture(scope="module")
def pdfs(request) -> dict[str, bytes]:
    """One PDF of each type, rendered once for the module (WeasyPrint warnings are errors)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        out = {kind: render_one(make_cert(kind)) for kind in "AHP"}
    finally:
        logger.removeHandler(handler)
    assert not records, [r.getMessage() for r in records]  # e.g. an invalid CSS declaration
    OUTPUT.mkdir(exist_ok=True)
    for kind, name in (("A", "award"), ("H", "honour"), ("P", "promotion")):
        (OUTPUT / f"certificate_{name}.pdf").write_bytes(out[kind])
    return out


COMMON_TEXT = ["张晓明", "第三届广东省职业技能大赛", "数控车", "职工组", "广东省人力资源和社会保障厅", "2026年11月26日"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("A", ["获奖证书", "荣获", "一等奖", "GD2026-SZ3-A-000001-T"]),
        ("H", ["荣誉证书", "“广东省技术能手”荣誉称号", "GD2026-SZ3-H-000001-4"]),
        ("P", ["职业技能等级证书", "车工", "6-18-01-01", "高级工（三级）", "技师（二级）", "GD2026-SZ3-P-000001-G"]),
    ],
)
def test_pdf_contains_the_chinese_text(pdfs, kind, expected):
    text = text_of(pdfs[kind])
    for snippet in COMMON_TEXT + expected:
        assert snippet in text, snippet
    assert "4401**********123X" in text  # masked ID
    assert ID_NUMBER not in text
    assert "zs.hrss.gd.gov.cn/verify" in text


@pytest.mark.parametrize("kind", "AHP")
def test_pdf_embeds_a_subset_cjk_font(pdfs, kind):
    names = font_names(pdfs[kind])
    assert names and all("CJK" in n for n in names), names
    assert all(re.fullmatch(r"/[A-Z]{6}\+.+", n) for n in names), names  # subset tag


def test_pdffonts_reports_embedded_subset(pdfs):
    exe = shutil.which("pdffonts")
    if exe is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    out = subprocess.run([exe, "-"], input=pdfs["A"], capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in out.splitlines()[2:] if "CJK" in line]
    assert rows
    for row in rows:  # name type... encoding emb sub uni object ID
        assert row[-5:-2] == ["yes", "yes", "yes"], row


@pytest.mark.parametrize("kind", "AHP")
def test_one_a4_landscape_page(pdfs, kind):
    reader = PdfReader(io.BytesIO(pdfs[kind]))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(841.89, abs=1)
    assert float(box.height) == pytest.approx(595.28, abs=1)
    assert reader.metadata.title.endswith("GD2026-SZ3-" + kind + "-000001-" + {"A": "T", "H": "4", "P": "G"}[kind])


def test_qr_code_decodes_to_the_verification_url(pdfs):
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("needs pdftoppm (poppler-utils) and zbarimg (zbar-tools)")
    png = render_png_first_page(pdfs["H"], OUTPUT / "certificate_honour.png", dpi=110)
    render_png_first_page(pdfs["A"], OUTPUT / "certificate_award.png", dpi=110)
    render_png_first_page(pdfs["P"], OUTPUT / "certificate_promotion.png", dpi=110)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)], capture_output=True, text=True, timeout=30)
    assert decoded.stdout.strip() == make_cert("H").verify_url
    assert png.stat().st_size > 10_000


def test_batch_gives_one_pdf_per_certificate_in_order():
    names = ["李华", "王建国", "陈思远", "欧阳娜娜", "赵敏"]
    certs = [make_cert("AHPAH"[i], seq=i + 1, name=n) for i, n in enumerate(names)]
    calls = []
    pdfs = render_batch(certs, batch_size=2, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert len(pdfs) == 5
    for cert, pdf in zip(certs, pdfs, strict=True):
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        text = text_of(pdf)
        assert cert.holder_name in text and cert.number in text
        others = [n for n in names if n != cert.holder_name]
        assert not any(n in text for n in others)
        assert all("CJK" in n for n in font_names(pdf))


def _mapped_chars(pdf: bytes) -> set[str]:
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    data = b"".join(fonts[k].get_object()["/ToUnicode"].get_object().get_data() for k in fonts)
    return {bytes.fromhex(u.decode()).decode("utf-16-be") for u in re.findall(rb"<[0-9a-f]{4}> <([0-9a-f]+)>", data)}


def test_split_pdfs_carry_no_other_holders_text():
    """Each PDF of a batch maps only its own page's characters, and has only its own pattern."""
    names = ["甲乙丙", "丁戊己", "庚辛壬"]
    certs = [make_cert("A", seq=i + 1, name=n) for i, n in enumerate(names)]
    pdfs = CertificateRenderer(batch_size=3).render_batch(certs)
    for name, pdf in zip(names, pdfs, strict=True):
        foreign = set("".join(names)) - set(name)
        chars = _mapped_chars(pdf)
        assert set(name) <= chars
        assert not chars & foreign
        resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
        assert len(resources.get("/Pattern", {})) <= 1  # the frame lattice of this page only


def test_batch_writes_number_named_files(tmp_path):
    certs = [make_cert("P", seq=s) for s in (7, 8, 9)]
    paths = render_batch(certs, tmp_path / "out", batch_size=2)
    assert [p.name for p in paths] == [f"{c.number}.pdf" for c in certs]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)  # no temp files left
    assert all(c.number in text_of(p.read_bytes()) for c, p in zip(certs, paths, strict=True))


def test_batch_callback_streams_pdfs():
    seen = []
    assert render_batch([make_cert("A", seq=3)], on_pdf=lambda cert, pdf: seen.append((cert.number, pdf[:5]))) is None
    assert seen == [(make_cert("A", seq=3).number, b"%PDF-")]


def test_batch_rejects_duplicate_numbers():
    with pytest.raises(ValueError, match="duplicate certificate numbers"):
        render_batch([make_cert("A"), make_cert("A", name="李华")])


def test_weasyprint_split_strategy_gives_the_same_text():
    certs = [make_cert("A", seq=1, name="李华"), make_cert("H", seq=2, name="赵敏")]
    pypdf_split = CertificateRenderer(split="pypdf").render_batch(certs)
    weasy_split = CertificateRenderer(split="weasyprint").render_batch(certs)
    assert [text_of(p) for p in pypdf_split] == [text_of(p) for p in weasy_split]


def test_english_certificate():
    cert = make_cert(
        "A", seq=5, name="Li Hua", language="en", award="Gold Medal", skill="CNC Turning", group="Employees",
        event_name="WorldSkills China National Selection", issuer="Guangdong HRSS Department", salutation="",
    )  # fmt: skip
    text = text_of(render_one(cert))
    for snippet in ("CertificateofAward", "LiHua", "GoldMedal", "CNCTurning", "26November2026", cert.number):
        assert snippet in text, snippet


def test_organiser_template_override(tmp_path):
    (tmp_path / "award.html").write_text(
        '{% extends "base.html" %}{% block title %}奖状{% endblock %}{% block body %}<p>荣获{{ c.award }}</p>{% endblock %}', encoding="utf-8"
    )
    text = text_of(CertificateRenderer(template_dir=tmp_path).render_one(make_cert("A")))
    assert "奖状" in text and "获奖证书" not in text and "荣获一等奖" in text


def test_overflowing_template_is_refused(tmp_path):
    # An organiser's style sheet whose text flows past the page: the batch would be misaligned.
    (tmp_path / "certificate.css").write_text("@page { size: A4 landscape } p { margin: 0 0 90mm }", encoding="utf-8")
    with pytest.raises(RenderError, match="overflows"):
        CertificateRenderer(template_dir=tmp_path).render_one(make_cert("A"))


def test_html_escapes_data():
    html = render_html(make_cert("A", organisation="<script>x</script>"))
    assert "<script>x" not in html and "&lt;script&gt;" in html


# -- data validation -----------------------------------------------------------------------------


def test_aware_datetime_is_dated_in_china_time():
    late_utc = dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.timezone.utc)  # 04:00 on the 26th in Beijing
    assert make_cert(issue_date=late_utc).issue_date == ISSUE_DAY
    assert format_issue_date(ISSUE_DAY) == "2026年11月26日"
    assert format_issue_date(dt.date(2026, 1, 5)) == "2026年1月5日"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"issue_date": dt.datetime(2026, 11, 26, 9, 0)}, "timezone-aware"),
        ({"cert_type": "H"}, "is of type A"),
        ({"award": None}, "award is required"),
        ({"holder_name": " "}, "holder_name is required"),
        ({"holder_name": "名" * 17}, "too long"),
        ({"verify_url": "https://x.example/verify/other"}, "ending with the number"),
        ({"number": "GD2026-SZ3-A-000001-X"}, "check character"),
        ({"seal_image": "https://x.example/seal.png"}, "data:image"),
        ({"language": "fr"}, "language"),
    ],
)
def test_invalid_certificate_data(overrides, message):
    with pytest.raises(ValueError, match=message):
        make_cert("A", **overrides)


def test_id_numbers_are_masked():
    assert mask_id_number("440106199001011234") == "4401**********1234"
    assert mask_id_number("4401**********1234") == "4401**********1234"
    assert make_cert(id_number_masked="44010619900101123x").id_number_masked == "4401**********123X"


def test_make_verify_url():
    assert make_verify_url("https://a.example/", "N1") == "https://a.example/verify/N1"
    with pytest.raises(ValueError, match="http"):
        make_verify_url("a.example", "N1")


def test_levels_may_be_skill_level_enums():
    from scoring.levels import SkillLevel

    cert = make_cert("P", level_from=SkillLevel.SENIOR, level_to=SkillLevel.TECHNICIAN)
    assert (cert.level_from, cert.level_to) == ("高级工", "技师")


def test_templates_cannot_fetch_files_or_network(tmp_path, caplog):
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><text>SECRET</text></svg>')
    (tmp_path / "award.html").write_text(
        '{% extends "base.html" %}{% block body %}<img src="file://' + str(secret) + '"><img src="http://127.0.0.1:9/x.png">{% endblock %}',
        encoding="utf-8",
    )
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = CertificateRenderer(template_dir=tmp_path).render_one(make_cert("A"))
    assert "SECRET" not in text_of(pdf)
    assert "disallowed protocol" in caplog.text


def test_split_pdf_keeps_document_language():
    pdf = render_batch([make_cert("A", seq=11)])[0]
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "zh-CN"


def test_out_dir_and_callback_are_exclusive(tmp_path):
    with pytest.raises(ValueError, match="not both"):
        render_batch([make_cert("A")], tmp_path, on_pdf=lambda c, p: None)
