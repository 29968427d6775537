"""A timeout or an error never shows a bare English page: the app's own error pages for
500/503/504, and the static page nginx shows for 502/503/504 (docs/deploy.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import GatewayTimeout, ServiceUnavailable

STATIC_PAGE = Path(__file__).resolve().parents[2] / "app" / "static" / "errors" / "50x.html"


@pytest.mark.parametrize(
    ("error", "code", "title"),
    [
        (RuntimeError("boom"), 500, "エラーが発生しました"),
        (ServiceUnavailable(), 503, "ただいま混み合っています"),
        (GatewayTimeout(), 504, "処理に時間がかかっています"),
    ],
)
def test_errors_are_japanese_pages(app, client, error, code, title):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/__error_probe")
    def probe():
        raise error

    response = client.get("/__error_probe")
    assert response.status_code == code
    assert title in response.text
    assert (
        "Internal Server Error" not in response.text and "Service Unavailable" not in response.text
    )
    assert "boom" not in response.text


def test_the_static_page_nginx_shows_is_japanese_and_has_no_inline_script_or_style():
    page = STATIC_PAGE.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page
    assert "ただいま混み合っている" in page
    visible = re.sub(r"<[^>]+>", "", page.split("<body", 1)[1])
    assert not re.search(r"\b(Error|Bad Gateway|Timeout|Unavailable)\b", visible)
    assert "<script" not in page and "<style" not in page and " style=" not in page
    deploy = (STATIC_PAGE.parents[3] / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "error_page 502 503 504 /errors/50x.html" in deploy


def test_a_console_error_page_leads_back_to_the_console_and_a_public_one_to_the_site(
    client, staff, event
):
    staff(client)
    console = client.get("/console/registrations/999999")
    assert console.status_code == 404
    assert "事務局コンソールのトップへ" in console.text and "トップページへ" not in console.text
    public = client.get("/no-such-page")
    assert public.status_code == 404
    assert "トップページへ" in public.text and "事務局コンソール" not in public.text
