"""HTML → PDF with WeasyPrint, fonts loaded once per thread.

A ``FontConfiguration`` holds fontconfig's lookups and the font files WeasyPrint has opened;
reusing it saves loading Noto Sans CJK (a 20 MB collection) for every document. WeasyPrint's
objects are not shared between threads, hence one per thread (gunicorn gthread workers, the
job consumer's worker threads).
"""

from __future__ import annotations

import threading

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

_local = threading.local()


def font_config() -> FontConfiguration:
    """This thread's font configuration."""
    if not hasattr(_local, "fonts"):
        _local.fonts = FontConfiguration()
    return _local.fonts


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document (its fonts subset and embedded by WeasyPrint)."""
    return HTML(string=html).write_pdf(font_config=font_config())
