"""Printed matter of 研修会議Ⅱ, both halves: a template rendered to PDF bytes with WeasyPrint.

Every PDF embeds the Debian font Noto Sans CJK JP (``fonts-noto-cjk``); the templates' common
page set-up is ``groupwork/pdf/_base.html``.
"""

from __future__ import annotations

from flask import render_template

from app.core.pdf import html_to_pdf

FONT_FAMILY = "Noto Sans CJK JP"


def render_pdf(template: str, **context) -> bytes:
    """Render ``template`` (a path under ``app/templates/``) to PDF bytes."""
    html = render_template(template, font_family=FONT_FAMILY, **context)
    return html_to_pdf(html)  # fonts loaded once per thread
