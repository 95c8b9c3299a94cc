"""HTML to PDF with WeasyPrint for documents other than certificates (the public notice, …).

WeasyPrint and Pango objects are not meant to be shared between threads: every render holds
:data:`PDF_LOCK` and runs in a worker thread (:func:`render_pdf`), never on the event loop. The
CJK fonts (``fonts-noto-cjk``) are found by fontconfig; the document may fetch nothing (no
network, no files): everything it shows is in the HTML and CSS given.
"""

from __future__ import annotations

import asyncio
import threading

PDF_LOCK = threading.Lock()

#: The font stack of every generated document (Debian's ``fonts-noto-cjk``).
CJK_FONTS = '"Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", serif'


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"documents fetch nothing: {url[:60]}")


def html_to_pdf(html: str, css: str = "", *, title: str = "", author: str = "") -> bytes:
    from weasyprint import CSS, HTML

    with PDF_LOCK:
        sheets = [CSS(string=css, url_fetcher=_no_fetch)] if css else []
        doc = HTML(string=html, url_fetcher=_no_fetch).render(stylesheets=sheets)
        if title:
            doc.metadata.title = title
        if author:
            doc.metadata.authors = [author]
        return doc.write_pdf()


async def render_pdf(html: str, css: str = "", *, title: str = "", author: str = "") -> bytes:
    """:func:`html_to_pdf` in a worker thread."""
    return await asyncio.to_thread(html_to_pdf, html, css, title=title, author=author)
