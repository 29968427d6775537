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

import multiprocessing
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from app.core import collector

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


@dataclass(frozen=True)
class LaidOut:
    """A lean document as PDF bytes, with the 0-based page each anchor (``id``) is first on;
    ``cpu``: seconds of CPU its layout took, in the process that laid it out (bench/pdf.py)."""

    data: bytes
    anchors: dict[str, int]
    pages: int
    cpu: float = 0.0


def lay_out(html: str) -> LaidOut:
    """``html`` laid out with the lean stylesheet and written as PDF, the collector paused."""
    started = time.process_time()
    with collector.paused():
        document = LeanHTML(string=html).render(font_config=font_config())
        anchors: dict[str, int] = {}
        for number, page in enumerate(document.pages):
            for anchor in page.anchors:
                anchors.setdefault(anchor, number)
        data = document.write_pdf()
    return LaidOut(data, anchors, len(document.pages), time.process_time() - started)


def lay_out_all(htmls: Sequence[str], processes: int = 1) -> Iterator[LaidOut]:
    """Each of ``htmls`` laid out (``lay_out``), yielded in order. With ``processes`` > 1 the
    first is laid out here while the others go to that many − 1 fresh processes, forked from
    multiprocessing's fork server: a single-threaded process started on first use that has
    imported this module (WeasyPrint's bindings alone take 0.4 s to load), so nothing of this
    process — its threads, its database connections — is copied into a child, and a child
    starts without loading WeasyPrint again. The first is yielded as soon as it is laid out:
    the caller works on it while the children finish. A document whose process could not be
    started or died is laid out here instead (slower, the same). Meant for a background job
    (docs/decisions.md)."""
    if processes <= 1 or len(htmls) <= 1:
        for html in htmls:
            yield lay_out(html)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # read when the server starts, once
    with ProcessPoolExecutor(
        max_workers=min(processes - 1, len(htmls) - 1), mp_context=context
    ) as pool:
        try:
            others = [pool.submit(lay_out, html) for html in htmls[1:]]
        except (OSError, RuntimeError):  # no process could be started: all of them here
            others = []
        yield lay_out(htmls[0])
        for i, html in enumerate(htmls[1:]):
            try:
                yield others[i].result() if i < len(others) else lay_out(html)
            except BrokenExecutor:  # the child died (killed, out of memory): laid out here
                yield lay_out(html)
