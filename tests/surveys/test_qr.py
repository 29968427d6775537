"""QR codes decoded with a real decoder (zxing-cpp) back to the exact URL."""

import io
import subprocess

import pytest
import zxingcpp
from PIL import Image

from app.surveys.qr import qr_png


def decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image)]


def svg_to_image(svg: bytes, tmp_path) -> Image.Image:
    """Rasterise an SVG the way it is printed: WeasyPrint → PDF → pdftoppm."""
    from weasyprint import HTML

    html = f'<img src="data:image/svg+xml;base64,{__import__("base64").b64encode(svg).decode()}" style="width:8cm">'
    pdf = tmp_path / "qr.pdf"
    HTML(string=html).write_pdf(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "qr")], check=True
    )
    return Image.open(tmp_path / "qr.png")


@pytest.mark.parametrize("channel", ["qr", "chat", "mail", "paper"])
def test_png_per_channel_decodes_to_the_exact_url(client, open_event, channel):
    response = client.get(f"/survey/{open_event.slug}/qr-{channel}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert decode(Image.open(io.BytesIO(response.data))) == [
        f"http://localhost/survey/{open_event.slug}?ch={channel}"
    ]


@pytest.mark.sqlite_only("rendering does not depend on the database")
def test_svg_decodes_to_the_exact_url(client, open_event, tmp_path):
    response = client.get(f"/survey/{open_event.slug}/qr-qr.svg")
    assert response.mimetype == "image/svg+xml"
    assert decode(svg_to_image(response.data, tmp_path)) == [
        f"http://localhost/survey/{open_event.slug}?ch=qr"
    ]


def test_the_url_in_the_code_opens_the_form_on_its_channel(client, open_event):
    (url,) = decode(
        Image.open(io.BytesIO(qr_png(f"http://localhost/survey/{open_event.slug}?ch=chat")))
    )
    page = client.get(url.removeprefix("http://localhost"))
    assert page.status_code == 200 and 'name="ch" value="chat"' in page.text


def test_unknown_channel_has_no_code(client, open_event):
    assert client.get(f"/survey/{open_event.slug}/qr-fax.png").status_code == 404


def test_slide_page_shows_the_code_and_the_short_url(client, staff, open_event):
    staff(client, "analyst")
    page = client.get("/console/surveys/slide").text
    assert f"/survey/{open_event.slug}/qr-qr.svg" in page
    assert f"http://localhost/q/{open_event.slug}" in page


def test_console_pages_need_a_login(client, open_event):
    assert client.get("/console/surveys/slide").status_code == 302
