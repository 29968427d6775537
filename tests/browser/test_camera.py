"""The desk reads a name card's QR code with the camera: Chromium's fake camera plays a picture
of the code, ZXing for JS (vendored in app/static) decodes it in the page, the person is in."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.reception import services
from app.reception.models import Attendance
from app.surveys.qr import qr_png

pytestmark = pytest.mark.browser


def mjpeg_of(text: str, path) -> None:
    """A few frames of a 640×480 picture of the QR code of ``text`` (Motion JPEG)."""
    from PIL import Image

    code = Image.open(io.BytesIO(qr_png(text, box_size=8))).convert("RGB")
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    out = io.BytesIO()
    for _ in range(10):
        frame.save(out, format="JPEG", quality=90)
    path.write_bytes(out.getvalue())


@pytest.mark.sqlite_only("browser tests run once, on SQLite")
def test_the_camera_reads_a_code_and_checks_the_person_in(
    live_server, db, event, make_team, tmp_path
):
    import os

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    from app.core.auth import create_staff

    member = make_team(size=2).members[1]
    tokyo = event.channel("t2_tokyo")
    video = tmp_path / "card.mjpeg"
    mjpeg_of(services.checkin_code(member.id), video)
    create_staff("camera", "受付 カメラ", "secretariat", "correct horse battery")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        context = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
        context.grant_permissions(["camera"], origin=live_server)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.goto(live_server + "/console/login")
        page.get_by_label("ログインID").fill("camera")
        page.get_by_label("パスワード").fill("correct horse battery")
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url("**/console/")
        page.goto(f"{live_server}/console/reception/{tokyo.id}")
        page.get_by_role("button", name="カメラで読み取る").click()
        page.wait_for_url("**r=checked_in")
        assert f"{member.name}さん（北海道札幌市）を出席にしました" in page.content()
        browser.close()
    db.session.expire_all()
    assert db.session.scalar(select(Attendance)).source == "scan"
