"""HTML → PDF with WeasyPrint, fonts loaded once per thread.

A ``FontConfiguration`` holds fontconfig's lookups and the font files WeasyPrint has opened;
reusing it saves loading Noto Sans CJK (a 20 MB collection) for every document. WeasyPrint's
objects are not shared between threads, hence one per thread (gunicorn gthread workers, the
job consumer's worker threads).

``lean=True`` lays the document out with a reduced user-agent stylesheet (``pdf_ua.css``: the
rules of the elements our report templates use, same values) instead of WeasyPrint's full one,
parsed once per thread: matching some 200 rules against every element was about a fifth of
the questionnaire report's time (docs/performance.md, Reports and exports). It relies on
``HTML._ua_stylesheets``, WeasyPrint's hook for its own stylesheet (pinned: weasyprint==70.0);
tests/surveys/test_reports.py checks the hook exists and that both sheets lay the report out
to the same pages and lines.
"""

from __future__ import annotations

import threading
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

_local = threading.local()
LEAN_UA = Path(__file__).with_name("pdf_ua.css")


def font_config() -> FontConfiguration:
    """This thread's font configuration."""
    if not hasattr(_local, "fonts"):
        _local.fonts = FontConfiguration()
    return _local.fonts


def _lean_ua() -> CSS:
    """This thread's parsed ``pdf_ua.css``."""
    if not hasattr(_local, "lean_ua"):
        _local.lean_ua = CSS(filename=str(LEAN_UA))
    return _local.lean_ua


class LeanHTML(HTML):
    """An HTML document laid out with the reduced user-agent stylesheet (``pdf_ua.css``)."""

    def _ua_stylesheets(self, forms=False):
        return [_lean_ua()]


def html_to_pdf(html: str, *, lean: bool = False) -> bytes:
    """PDF bytes of an HTML document (its fonts subset and embedded by WeasyPrint);
    ``lean``: with the reduced user-agent stylesheet (module docstring)."""
    document = LeanHTML(string=html) if lean else HTML(string=html)
    return document.write_pdf(font_config=font_config())
