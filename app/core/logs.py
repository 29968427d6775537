"""Logging without secrets, and without chatter: personal-link tokens are masked in every
request log line; libraries' progress lines are not written.

A personal link (``/r/<token>``, ``/t/<token>``, ``/gw/<token>``, ``/archive/<token>``) opens
someone's pages, and a staff password-reset link (``/staff/reset/<token>``) an account; access logs (werkzeug's, gunicorn's) would otherwise keep it for anyone who
reads the log. Pure: no Flask.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/(?:r|t|gw|archive|staff/reset)/)[A-Za-z0-9_-]{16,}")
MASK = "***"
# Loggers that write request lines: Flask's development server and gunicorn.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
# Loggers whose INFO lines are progress, not events: WeasyPrint writes 「Step 1 - Fetching and
# parsing HTML」… for every PDF (a booklet job wrote hundreds of lines), which the app's INFO
# level would otherwise keep. Their warnings and errors still come through.
QUIET_LOGGERS = {"weasyprint.progress": logging.WARNING}


def mask_tokens(text: str) -> str:
    """``GET /r/AbC…xyz/edit`` → ``GET /r/***/edit``."""
    return TOKEN_IN_PATH.sub(r"\g<1>" + MASK, text)


def _masked(value):
    return mask_tokens(value) if isinstance(value, str) else value


class MaskTokens(logging.Filter):
    """Masks tokens in a record's message and arguments (tuple or gunicorn's atom dict)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _masked(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_masked(value) for value in record.args)
        return True


def install() -> None:
    """Attach the filter to every logger that writes request lines, and raise the level of
    ``QUIET_LOGGERS`` (idempotent)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskTokens) for f in logger.filters):
            logger.addFilter(MaskTokens())
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
