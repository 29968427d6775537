"""Request size: a plain form may send at most MAX_CONTENT_LENGTH (about 1 MB); a view that takes
files declares its own limit (the event's 「アップロード上限」), applied before anything reads the
body (the CSRF check does), so a large upload is refused with the Japanese 413 page and a
large body elsewhere never occupies a worker.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request

# Room for the form fields and multipart boundaries around the files themselves.
FORM_OVERHEAD = 256 * 1024


def accepts_upload(limit_mb: Callable[[], float]):
    """Mark a view as taking files of up to ``limit_mb()`` megabytes in all (decorator; put it
    under ``@bp.route``)."""

    def decorator(view):
        view.upload_limit_mb = limit_mb
        return view

    return decorator


def _apply_upload_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "upload_limit_mb", None)
    if limit is not None:
        request.max_content_length = int(limit() * 1024 * 1024) + FORM_OVERHEAD


def init_app(app: Flask) -> None:
    """Register the per-view limit; call before CSRFProtect so it runs first."""
    app.before_request(_apply_upload_limit)
