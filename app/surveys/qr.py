"""QR codes of the questionnaire URLs, as PNG and SVG bytes."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _qr(data: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_png(data: str, box_size: int = 10) -> bytes:
    """A PNG of the QR code (quiet zone of 4 modules, error correction M)."""
    qr = _qr(data)
    qr.box_size = box_size
    buf = io.BytesIO()
    qr.make_image().save(buf, format="PNG")
    return buf.getvalue()


def qr_svg(data: str) -> bytes:
    """An SVG of the QR code (one path; scales without loss for slides and print)."""
    qr = _qr(data)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    buf = io.BytesIO()
    image.save(buf)
    return buf.getvalue()
