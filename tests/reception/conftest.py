"""Fixtures of the reception tests: teams at both venues and a logged-in desk."""

from __future__ import annotations

import base64
import io
import re
import subprocess

import pytest


@pytest.fixture
def desk(client, staff):
    return staff(client)


@pytest.fixture
def tokyo(event):
    return event.channel("t2_tokyo")


@pytest.fixture
def osaka(event):
    return event.channel("t2_osaka")


def decode_qr_png(data: bytes) -> list[str]:
    """Texts of the QR codes in a PNG (zxing-cpp)."""
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    return [r.text for r in zxingcpp.read_barcodes(image)]


def data_uri_png(html: str, alt_contains: str) -> bytes:
    """The PNG bytes of the <img> whose alt contains ``alt_contains``."""
    for src, alt in re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)"', html):
        if alt_contains in alt:
            return base64.b64decode(src)
    raise AssertionError(f"no image with alt {alt_contains!r}")


def rasterise(pdf: bytes, tmp_path, dpi: int = 150, first: int = 1, last: int = 1) -> list[bytes]:
    """Pages of a PDF as PNG bytes (pdftoppm), as a phone camera would see the paper."""
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(dpi),
            "-f",
            str(first),
            "-l",
            str(last),
            src,
            tmp_path / "p",
        ],
        check=True,
    )
    return [p.read_bytes() for p in sorted(tmp_path.glob("p-*.png"))]
