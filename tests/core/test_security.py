"""Security habits of every response and every log (issue 8 §3): headers on every page,
personal-link tokens never in logs, addresses the mail server cannot deliver to refused."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from app.core import logs
from app.registration.models import Registration
from tests.registration.test_views import _form

ROOT = Path(__file__).resolve().parents[2]


def _get_routes(app):
    """Every GET page without URL arguments, plus the ones we can fill from real rows."""
    return sorted(
        r.rule
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and not r.arguments and r.endpoint != "static"
    )


def test_every_response_carries_the_security_headers(app, client, staff, event, make_registration):
    registration = make_registration("webinar")
    paths = [*_get_routes(app), f"/r/{registration.token}", "/no-such-page", "/static/site.css"]
    staff(client, "admin")
    assert len(paths) >= 25
    for path in paths:
        response = client.get(path)
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp, path
        assert headers.get("X-Content-Type-Options") == "nosniff", path
        assert headers.get("Referrer-Policy") == "no-referrer", path
        response.close()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"GET /r/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd HTTP/1.1" 200',
            '"GET /r/*** HTTP/1.1" 200',
        ),
        ("GET /t/AbCdEfGhIjKlMnOpQrSt/assignments/pre", "GET /t/***/assignments/pre"),
        ("POST /gw/AbCdEfGhIjKlMnOpQrSt", "POST /gw/***"),
        ("GET /archive/AbCdEfGhIjKlMnOpQrSt/3", "GET /archive/***/3"),
        ("GET /staff/reset/AbCdEfGhIjKlMnOpQrSt", "GET /staff/reset/***"),
        ("GET /survey/fy2023?ch=qr", "GET /survey/fy2023?ch=qr"),  # not a secret
        ("GET /console/teams/12", "GET /console/teams/12"),
    ],
)
def test_tokens_are_masked(line, expected):
    assert logs.mask_tokens(line) == expected


def test_the_development_server_log_masks_tokens(caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    logs.install()
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
    logging.getLogger("werkzeug").info(
        '%s - - "%s" %s -', "127.0.0.1", f"GET /r/{token} HTTP/1.1", "200"
    )
    assert token not in caplog.text and "/r/***" in caplog.text


def test_a_pdf_writes_no_progress_lines_to_the_log(app, caplog):
    """WeasyPrint's 「Step 1 - Fetching and parsing HTML」… were written at the app's INFO level
    for every PDF (the booklet jobs, the surge bench's output); its warnings still are."""
    from app.core.pdf import html_to_pdf

    caplog.set_level(logging.INFO)  # what the app sets (app/__init__.py)
    logs.install()
    assert html_to_pdf('<html lang="ja"><p>座席表</p></html>').startswith(b"%PDF")
    assert "Step" not in caplog.text
    logging.getLogger("weasyprint.progress").warning("壊れた画像")
    assert "壊れた画像" in caplog.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres_only
def test_gunicorn_access_log_masks_personal_links(database_url, tmp_path, event, make_registration):
    """The production server, as docs/deploy.md runs it, writes no token to its access log."""
    registration = make_registration("webinar")
    port = _free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": database_url, "KENSHU_PUBLIC_BASE_URL": "http://127.0.0.1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The master binds the port before its worker has imported the app; on a loaded
        # 2-core machine that import alone has taken more than 5 s (CI, 2026-12-01).
        deadline = time.monotonic() + 120
        while True:
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/r/{registration.token}", timeout=(5, 60)
                )
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert response.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert "/r/***" in text
    assert registration.token not in text


@pytest.mark.parametrize(
    "address",
    ["やまだ@example.jp", "yamada@例え.jp", "山田taro@city.example.jp"],
)
def test_an_address_the_server_cannot_deliver_to_is_refused_at_the_form(client, db, event, address):
    html = client.post("/register", data=_form(email=address, email_confirm=address)).get_data(
        as_text=True
    )
    assert "半角英数字のアドレスを入力してください" in html
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_full_width_ascii_is_still_accepted(client, db, event):
    typed = "ｈａｎａｋｏ＠ｃｉｔｙ．ｅｘａｍｐｌｅ．ｊｐ"  # NFKC makes it ASCII
    response = client.post("/register", data=_form(email=typed, email_confirm=typed))
    assert response.status_code == 302
    assert db.session.scalar(select(Registration.email)) == "hanako@city.example.jp"


def test_non_ascii_addresses_pass_when_the_server_supports_smtputf8(app, client, db, event):
    app.config["MAIL_SMTPUTF8"] = True
    address = "やまだ@example.jp"
    response = client.post("/register", data=_form(email=address, email_confirm=address))
    assert response.status_code == 302
