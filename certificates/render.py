"""Certificate PDFs: plain data in, one PDF per certificate out.

WeasyPrint lays out HTML/CSS (``certificates/templates``) with a CJK font found by fontconfig
(Noto Serif CJK SC) and embeds a subset of it in each PDF, so the Chinese text is both printed
and extractable. Two facts shape this module (see ``shared/DESIGN.md``, Certificates):

- Laying out one document per certificate costs ≈120 ms; a multi-page document costs ≈14 ms a
  page. So :func:`render_batch` lays out ``batch_size`` certificates as one document and then
  splits it into one PDF per certificate (the split strategy is chosen by measurement, see
  ``SPLIT_STRATEGIES`` and ``bench/bench_certificates.py``).
- WeasyPrint keeps font data alive in reference cycles, so memory grows unless the garbage
  collector runs: :func:`render_batch` calls ``gc.collect()`` after every batch.

Everything shared between renders (Jinja environment, WeasyPrint ``FontConfiguration``, the
parsed style sheet) lives in a :class:`CertificateRenderer`; the module-level functions use one
default renderer. Rendering holds a lock: WeasyPrint/Pango objects are not meant to be shared
between threads. Run renders in a worker thread (or a process pool for parallelism) from async
code, never on the event loop.

Requires the Debian packages ``fonts-noto-cjk`` and ``libharfbuzz-subset0`` (without the latter
WeasyPrint falls back to fontTools and a Chinese certificate takes seconds), and ``poppler-utils``
for :func:`render_png_first_page`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import gc
import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from .numbering import CertType, parse_number
from .qr import qr_data_uri

__all__ = [
    "CHINA_TZ",
    "CertificateData",
    "CertificateRenderer",
    "RenderError",
    "SPLIT_STRATEGIES",
    "TEMPLATE_DIR",
    "default_renderer",
    "display_width",
    "format_issue_date",
    "make_verify_url",
    "mask_id_number",
    "render_batch",
    "render_html",
    "render_one",
    "render_png_first_page",
]

TEMPLATE_DIR = Path(__file__).with_name("templates")
CHINA_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_BATCH_SIZE = 100
#: "pypdf": write the batch once, cut it into one-page PDFs with pypdf (each PDF embeds the
#: batch's font subset). "weasyprint": ``Document.copy([page]).write_pdf()`` per page (each PDF
#: embeds only its own glyphs, but every write re-reads and re-subsets the CJK font).
SPLIT_STRATEGIES = ("pypdf", "weasyprint")

_TEMPLATES = {CertType.AWARD: "award.html", CertType.HONOUR: "honour.html", CertType.PROMOTION: "promotion.html"}
_TITLES_ZH = {CertType.AWARD: "获奖证书", CertType.HONOUR: "荣誉证书", CertType.PROMOTION: "职业技能等级证书"}
_TITLES_EN = {CertType.AWARD: "Certificate of Award", CertType.HONOUR: "Certificate of Honour", CertType.PROMOTION: "Skill Level Promotion"}
# Widths known to fit the default layout, in CJK characters (a Latin letter or digit counts ½);
# longer text would run into the footer or out of the frame.
_MAX_WIDTH = {
    "holder_name": 16,
    "event_name": 36,
    "skill": 20,
    "group": 8,
    "award": 12,
    "honour": 12,
    "issuer": 20,
    "organisation": 30,
    "occupation": 16,
    "occupation_code": 16,
    "level_from": 10,
    "level_to": 10,
    "salutation": 4,
    "team": 16,
}


class RenderError(RuntimeError):
    """A certificate could not be rendered as exactly one page."""


def display_width(text: str) -> float:
    """Printed width in CJK characters: wide/full-width characters 1, others ½."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def mask_id_number(id_number: str) -> str:
    """Mask a 居民身份证号 for printing: first 4 and last 4 kept, ``4401**********123X``.

    Text that is already masked (contains ``*``) is returned unchanged.
    """
    t = str(id_number).strip().upper()
    if "*" in t:
        return t
    if len(t) <= 8:
        return "*" * len(t)
    return t[:4] + "*" * (len(t) - 8) + t[-4:]


def make_verify_url(public_base_url: str, number: str) -> str:
    """The public verification address of a certificate: ``{base}/verify/{number}``."""
    base = str(public_base_url).strip().rstrip("/")
    if not re.match(r"https?://[^/\s]+", base):
        raise ValueError(f"public base URL {public_base_url!r} must start with http:// or https:// and a host")
    return f"{base}/verify/{number}"


def format_issue_date(day: dt.date, language: str = "zh") -> str:
    """``2026年11月26日`` (Chinese) or ``26 November 2026`` (English)."""
    if language.startswith("en"):
        return f"{day.day} {day.strftime('%B')} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def _as_text(value, language: str = "zh") -> str | None:
    """Strings stay; a level enum (``scoring.levels.SkillLevel``) becomes its name in ``language``."""
    if value is None or isinstance(value, str):
        return value
    label = getattr(value, "label", None)
    return label(language) if callable(label) else str(value)


@dataclasses.dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate. Plain data; no database objects.

    ``issue_date``: a ``date`` (taken as the date in China), or a timezone-aware ``datetime``
    (converted to China time); a naive datetime is refused because its day is ambiguous.
    ``id_number_masked``: printed as given when it contains ``*``; a full ID number is masked.
    ``seal_image``: optional ``data:`` URI of the issuer's seal; without it a CSS emblem labelled
    电子证书 is drawn. Type-specific fields: ``award`` (AWARD), ``honour`` (HONOUR),
    ``occupation``/``level_to`` and optionally ``occupation_code``/``level_from`` (PROMOTION);
    levels are text as printed ("技师（二级）") or a ``scoring.levels.SkillLevel``.
    Text longer than the layout holds is refused with ValueError (see ``_MAX_WIDTH``).
    """

    cert_type: CertType
    number: str
    holder_name: str
    event_name: str
    skill: str
    issuer: str
    issue_date: dt.date
    verify_url: str
    group: str | None = None
    award: str | None = None
    honour: str | None = None
    occupation: str | None = None
    occupation_code: str | None = None
    level_from: str | None = None
    level_to: str | None = None
    id_number_masked: str | None = None
    organisation: str | None = None
    team: str | None = None  # 团体项目: the team the holder won it with
    salutation: str = "同志"
    language: str = "zh"
    seal_image: str | None = None

    def __post_init__(self) -> None:
        def put(name, value):
            object.__setattr__(self, name, value)

        ctype = CertType.parse(self.cert_type)
        put("cert_type", ctype)
        parsed = parse_number(self.number)  # raises ValueError with the reason
        if parsed.cert_type is not ctype:
            raise ValueError(
                f"certificate number {self.number!r} is of type {parsed.cert_type.value}, but the certificate is {ctype.name.lower()} ({ctype.value})"
            )
        put("number", str(parsed))
        for name in ("level_from", "level_to"):
            put(name, _as_text(getattr(self, name), self.language))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and not isinstance(value, CertType):
                value = value.strip()
                put(f.name, value)
                limit = _MAX_WIDTH.get(f.name)
                if limit is not None and display_width(value) > limit:
                    raise ValueError(
                        f"{f.name} {value!r} is too long to fit the certificate (at most {limit} Chinese characters, or {2 * limit} Latin letters)"
                    )
        for name in ("holder_name", "event_name", "skill", "issuer"):
            if not getattr(self, name):
                raise ValueError(f"{name} is required")
        required = {CertType.AWARD: ("award",), CertType.HONOUR: ("honour",), CertType.PROMOTION: ("occupation", "level_to")}[ctype]
        for name in required:
            if not getattr(self, name):
                raise ValueError(f"{name} is required for a {ctype.name.lower()} certificate")
        if self.cert_type is CertType.HONOUR:
            put("honour", self.honour.strip("“”\"'"))
        if not self.verify_url.startswith(("https://", "http://")) or not self.verify_url.endswith(self.number):
            raise ValueError(f"verify_url {self.verify_url!r} must be an http(s) URL ending with the number")
        day = self.issue_date
        if isinstance(day, dt.datetime):
            if day.tzinfo is None or day.utcoffset() is None:
                raise ValueError("issue_date must be a date or a timezone-aware datetime")
            day = day.astimezone(CHINA_TZ).date()
        elif not isinstance(day, dt.date):
            raise ValueError(f"issue_date must be a date, not {type(day).__name__}")
        put("issue_date", day)
        if self.id_number_masked:
            put("id_number_masked", mask_id_number(self.id_number_masked))
        if self.seal_image and not self.seal_image.startswith("data:image/"):
            raise ValueError("seal_image must be a data:image/… URI (no external files)")
        if self.language not in ("zh", "en"):
            raise ValueError(f"language {self.language!r} must be 'zh' or 'en'")

    @property
    def issue_date_text(self) -> str:
        return format_issue_date(self.issue_date, self.language)

    @property
    def title(self) -> str:
        return (_TITLES_EN if self.language == "en" else _TITLES_ZH)[self.cert_type]


ProgressCallback = Callable[[int, int], None]
PdfCallback = Callable[[CertificateData, bytes], None]


class CertificateRenderer:
    """Holds what renders share: templates, font configuration, parsed CSS.

    ``template_dir``: a directory whose files override the default templates by name (an
    organiser's restyled ``certificate.css`` or wording); missing files fall back to the defaults.
    """

    def __init__(self, template_dir: str | Path | None = None, *, batch_size: int = DEFAULT_BATCH_SIZE, split: str = "pypdf") -> None:
        if split not in SPLIT_STRATEGIES:
            raise ValueError(f"split {split!r} must be one of {SPLIT_STRATEGIES}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        loaders = [jinja2.FileSystemLoader(str(template_dir))] if template_dir else []
        loaders.append(jinja2.FileSystemLoader(str(TEMPLATE_DIR)))
        self.env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False)
        self.batch_size = batch_size
        self.split = split
        self._lock = threading.RLock()
        self._font_config = None
        self._css = None
        self._fetcher = None

    # -- shared WeasyPrint state ----------------------------------------------------------------
    def _weasy(self):
        """FontConfiguration and parsed style sheet, made once (import WeasyPrint lazily)."""
        with self._lock:
            if self._css is None:
                from weasyprint import CSS
                from weasyprint.text.fonts import FontConfiguration
                from weasyprint.urls import URLFetcher

                # Only data: URIs: a template can never make the renderer read files or the network.
                self._fetcher = URLFetcher(allowed_protocols={"data"})
                self._font_config = FontConfiguration()
                css_text, _, _ = self.env.loader.get_source(self.env, "certificate.css")
                self._css = CSS(string=css_text, font_config=self._font_config, url_fetcher=self._fetcher)
            return self._font_config, self._css

    # -- HTML -----------------------------------------------------------------------------------
    def page_html(self, cert: CertificateData) -> str:
        """The HTML fragment (one ``<div class="cert">``) of one certificate."""
        en = cert.language == "en"
        verify_base = cert.verify_url[: -len(cert.number)].rstrip("/")
        return self.env.get_template(_TEMPLATES[cert.cert_type]).render(
            c=cert,
            kind=cert.cert_type.name.lower(),
            en=en,
            lang_tag="en" if en else "zh-CN",
            date=cert.issue_date_text,
            qr=qr_data_uri(cert.verify_url),
            verify_base=verify_base,
            colon=": " if en else "：",
        )

    def document_html(self, certs: Sequence[CertificateData], title: str | None = None) -> str:
        """A whole HTML document with one page per certificate, in order."""
        if not certs:
            raise ValueError("no certificates to render")
        first = certs[0]
        en = all(c.language == "en" for c in certs)
        return self.env.get_template("document.html").render(
            pages=[Markup(self.page_html(c)) for c in certs],
            title=title or (f"{first.title} {first.number}" if len(certs) == 1 else f"{first.title} ×{len(certs)}"),
            author=first.issuer,
            lang_tag="en" if en else "zh-CN",
        )

    # -- PDF ------------------------------------------------------------------------------------
    def render_document(self, certs: Sequence[CertificateData]):
        """Lay out ``certs`` as one WeasyPrint ``Document``, one page each (checked)."""
        from weasyprint import HTML

        font_config, css = self._weasy()
        html = HTML(string=self.document_html(certs), url_fetcher=self._fetcher)
        with self._lock:
            doc = html.render(font_config=font_config, stylesheets=[css])
        if len(doc.pages) != len(certs):
            raise RenderError(f"{len(certs)} certificate(s) gave {len(doc.pages)} page(s); a template or a text overflows its page")
        return doc

    def render_one(self, cert: CertificateData) -> bytes:
        """The PDF of one certificate (≈ 100+ ms: prefer :meth:`render_batch` for many)."""
        doc = self.render_document([cert])
        with self._lock:
            return doc.write_pdf()

    def render_combined(self, certs: Sequence[CertificateData]) -> bytes:
        """One multi-page PDF holding all ``certs`` (for printing a batch)."""
        doc = self.render_document(certs)
        with self._lock:
            return doc.write_pdf()

    def render_batch(
        self,
        certs: Iterable[CertificateData],
        out_dir: str | Path | None = None,
        *,
        on_pdf: PdfCallback | None = None,
        progress: ProgressCallback | None = None,
        batch_size: int | None = None,
    ) -> list[bytes] | list[Path] | None:
        """One PDF per certificate, in order, rendered ``batch_size`` pages at a time.

        - ``out_dir`` given: writes ``<number>.pdf`` there (atomically) and returns the paths;
        - else ``on_pdf`` given: calls ``on_pdf(cert, pdf_bytes)`` per certificate, returns None
          (use this to store PDFs elsewhere without holding them all in memory);
        - else: returns the list of PDF bytes.

        ``progress(done, total)`` is called after each batch. Numbers must be unique within the
        call (they name the files). Memory is released between batches (``gc.collect()``).
        """
        if out_dir is not None and on_pdf is not None:
            raise ValueError("give out_dir or on_pdf, not both")
        items = list(certs)
        total = len(items)
        numbers = [c.number for c in items]
        if len(set(numbers)) != total:
            dupes = sorted({n for n in numbers if numbers.count(n) > 1})
            raise ValueError(f"duplicate certificate numbers in batch: {', '.join(dupes[:5])}")
        size = batch_size or self.batch_size
        out_path = Path(out_dir) if out_dir is not None else None
        if out_path is not None:
            out_path.mkdir(parents=True, exist_ok=True)
        results: list = []
        done = 0
        if progress:
            progress(0, total)
        for start in range(0, total, size):
            chunk = items[start : start + size]
            pdfs = self._split(chunk)
            for cert, pdf in zip(chunk, pdfs, strict=True):
                if out_path is not None:
                    results.append(_write_atomic(out_path / f"{cert.number}.pdf", pdf))
                elif on_pdf is not None:
                    on_pdf(cert, pdf)
                else:
                    results.append(pdf)
            del pdfs, chunk
            gc.collect()  # WeasyPrint keeps font data in reference cycles
            done = min(total, start + size)
            if progress:
                progress(done, total)
        if out_path is None and on_pdf is not None:
            return None
        return results

    def _split(self, chunk: Sequence[CertificateData]) -> list[bytes]:
        doc = self.render_document(chunk)
        if self.split == "weasyprint":
            out = []
            with self._lock:
                for cert, page in zip(chunk, doc.pages, strict=True):
                    single = doc.copy([page])
                    single.metadata = copy.copy(doc.metadata)
                    single.metadata.title = f"{cert.title} {cert.number}"
                    out.append(single.write_pdf())
            return out
        with self._lock:
            combined = doc.write_pdf()
        del doc
        return _split_pdf(combined, [f"{c.title} {c.number}" for c in chunk], chunk[0].issuer)


_PDF_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_PRUNED_CATEGORIES = ("/XObject", "/Pattern", "/ExtGState", "/Shading", "/Font", "/Properties")


def _own_resources(page, shared):
    """A resources dictionary holding only the entries ``page``'s content stream names.

    WeasyPrint gives every page of a document the same resources dictionary (all pages'
    patterns, images, graphic states). Copied as is, each one-page PDF would carry every other
    page's objects: slower to copy (quadratic in the batch size) and a leak of other holders'
    data. Names are collected with a regular expression over the decoded content stream; an
    extra name that happens to match only keeps an unused entry, never drops a used one.
    """
    from pypdf.generic import DictionaryObject, NameObject

    used = set(_PDF_NAME.findall(page.get_contents().get_data()))
    res = DictionaryObject()
    for category, value in shared.items():
        sub = value.get_object()
        if category in _PRUNED_CATEGORIES and isinstance(sub, DictionaryObject):
            kept = DictionaryObject({NameObject(k): sub.raw_get(k) for k in sub if k[1:].encode("latin-1") in used})
            if kept:
                res[NameObject(category)] = kept
        else:
            res[NameObject(category)] = shared.raw_get(category)
    return res


_TEXT_TOKENS = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+[-+\d.]+\s+Tf|<([0-9A-Fa-f]+)>")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFPAIR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>")


def _glyphs_by_font(content: bytes) -> dict[bytes, set[bytes]]:
    """Glyph ids (4 hex digits, WeasyPrint's Identity-H encoding) shown per font resource name."""
    used: dict[bytes, set[bytes]] = {}
    current = used.setdefault(b"", set())
    for m in _TEXT_TOKENS.finditer(content):
        if m.group(1) is not None:
            current = used.setdefault(m.group(1), set())
        else:
            h = m.group(2).lower()
            current.update(h[i : i + 4] for i in range(0, len(h) - 3, 4))
    return used


def _tounicode_maps(fonts) -> dict[bytes, tuple[object, dict[bytes, bytes]]]:
    """Per font resource name: its ToUnicode stream and the glyph → UTF-16 map it holds.

    Only WeasyPrint's own CMap shape (``bfchar`` entries only) is understood; fonts with
    anything else are left out, so their CMap is copied unchanged.
    """
    maps = {}
    for key in fonts:
        stream = fonts[key].get_object().get("/ToUnicode")
        if stream is None:
            continue
        stream = stream.get_object()
        data = stream.get_data()
        if b"bfrange" in data:
            continue
        pairs = {}
        for block in _BFCHAR.findall(data):
            pairs.update((g.lower(), u) for g, u in _BFPAIR.findall(block))
        maps[key[1:].encode("latin-1")] = (stream, pairs)
    return maps


def _cmap(pairs: Sequence[tuple[bytes, bytes]]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    for i in range(0, len(pairs), 100):
        chunk = pairs[i : i + 100]
        lines.append(b"%d beginbfchar" % len(chunk))
        lines.extend(b"<%s> <%s>" % pair for pair in chunk)
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _split_pdf(combined: bytes, titles: Sequence[str], author: str) -> list[bytes]:
    """Cut a multi-page PDF into one-page PDFs with pypdf, each with only its own resources.

    The fonts of the batch are shared (one subset of each face for the whole batch), but each
    one-page PDF gets a ToUnicode map with only the characters its own page shows, so the text
    of other certificates in the batch cannot be read out of it.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(io.BytesIO(combined))
    if len(reader.pages) != len(titles):
        raise RenderError(f"expected {len(titles)} pages, the PDF has {len(reader.pages)}")
    lang = reader.trailer["/Root"].get_object().get("/Lang")
    shared = reader.pages[0]["/Resources"].get_object()
    maps = _tounicode_maps(shared["/Font"].get_object()) if "/Font" in shared else {}
    out = []
    for page, title in zip(reader.pages, titles, strict=True):
        page[NameObject("/Resources")] = _own_resources(page, page["/Resources"].get_object())
        if maps:
            used = _glyphs_by_font(page.get_contents().get_data())
            for font, (stream, pairs) in maps.items():
                glyphs = used.get(font, ())
                stream.set_data(_cmap([(g, pairs[g]) for g in sorted(glyphs) if g in pairs]))
        writer = PdfWriter()
        writer.add_page(page)
        writer.add_metadata({"/Title": title, "/Author": author, "/Producer": "WeasyPrint + pypdf"})
        if lang is not None:
            writer.root_object[NameObject("/Lang")] = lang
        buf = io.BytesIO()
        writer.write(buf)
        out.append(buf.getvalue())
    return out


def _write_atomic(path: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def render_png_first_page(pdf_bytes: bytes, path: str | Path, *, dpi: int = 100) -> Path:
    """Rasterise the first page of a PDF to ``path`` (PNG) with poppler's ``pdftoppm``."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise RuntimeError("pdftoppm not found: install the Debian package poppler-utils")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stem = path.with_suffix("")
    subprocess.run(
        [exe, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", "-", str(stem)],
        input=pdf_bytes,
        check=True,
        capture_output=True,
        timeout=60,
    )
    produced = stem.with_suffix(".png")
    if produced != path:
        os.replace(produced, path)
    return path


_default: CertificateRenderer | None = None
_default_lock = threading.Lock()


def default_renderer() -> CertificateRenderer:
    """The process-wide renderer used by the module-level functions (default templates)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = CertificateRenderer()
        return _default


def render_html(cert: CertificateData) -> str:
    """The complete HTML document of one certificate (for previews and debugging)."""
    return default_renderer().document_html([cert])


def render_one(cert: CertificateData) -> bytes:
    """The PDF of one certificate."""
    return default_renderer().render_one(cert)


def render_batch(
    certs: Iterable[CertificateData],
    out_dir: str | Path | None = None,
    *,
    on_pdf: PdfCallback | None = None,
    progress: ProgressCallback | None = None,
    batch_size: int | None = None,
) -> list[bytes] | list[Path] | None:
    """One PDF per certificate; see :meth:`CertificateRenderer.render_batch`."""
    return default_renderer().render_batch(certs, out_dir, on_pdf=on_pdf, progress=progress, batch_size=batch_size)
