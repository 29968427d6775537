"""Every channel's URL and QR code records its answers under that channel (one answer through
each address the console offers, found in the 回答経路 table under its own label)."""

import io
import re
from collections import Counter
from html import unescape
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image

from app.surveys.definition import CHANNEL_SHORT, CHANNELS
from tests.surveys.conftest import web_answer

HOST = "http://localhost"


def offered_addresses(client, slug: str) -> list[str]:
    """Every answering address the console hands out: the URLs printed on the overview, the
    QR codes it shows (decoded), the QR code of every channel (PNG), the slide's short URL."""
    page = client.get("/console/surveys/").text
    urls = [unescape(u) for u in re.findall(r"<code>(http[^<]+)</code>", page)]
    images = set(re.findall(r'src="(/survey/[^"]+/qr-[a-z]+\.png)"', page))
    images |= {f"/survey/{slug}/qr-{code}.png" for code in CHANNELS}
    for src in sorted(images):
        png = client.get(src)
        assert png.status_code == 200, src
        urls += [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))]
    slide = client.get("/console/surveys/slide").text
    urls += re.findall(r'<p class="short-url">([^<]+)</p>', slide)
    return urls


def answer_through(client, url: str) -> str:
    """Open the address as a respondent does and send the form; returns the channel it posted."""
    response = client.get(url.removeprefix(HOST), follow_redirects=True)
    assert response.status_code == 200, url
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', response.text)[1])
    channel = re.search(r'name="ch" value="([^"]*)"', response.text)[1]
    sent = client.post(action, data={**web_answer(), "ch": channel})
    assert sent.status_code == 302, url
    return parse_qs(urlsplit(action).query).get("ch", [channel])[0]


def channel_counts(page: str) -> dict[str, int]:
    table = page.split('id="t-channels"')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">([\d,]+)</td>', table)
    return {label: int(n.replace(",", "")) for label, n in rows}


def test_an_answer_through_each_offered_address_counts_under_its_channel(client, staff, open_event):
    staff(client, "secretariat")
    urls = offered_addresses(client, open_event.slug)
    expected = Counter()
    for url in urls:
        code = parse_qs(urlsplit(url).query).get("ch", ["qr" if "/q/" in url else ""])[0]
        assert code in CHANNELS, url
        expected[CHANNEL_SHORT[code]] += 1
        answer_through(client, url)
    assert set(expected) == set(CHANNEL_SHORT.values())  # every channel has an address
    counts = channel_counts(client.get("/console/surveys/results").text)
    assert {label: counts[label] for label in CHANNEL_SHORT.values()} == dict(expected)
    assert counts["合計"] == len(urls)
