"""Public materials, the registrants' archive, and anonymisation after the retention period."""

import io

from sqlalchemy import select

from app.events.models import Material
from app.registration.models import Registration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(console, title, data, filename, registrants_only=False):
    form = {"title": title, "file": (io.BytesIO(data), filename)}
    if registrants_only:
        form["registrants_only"] = "y"
    return console.post("/console/materials", data=form, content_type="multipart/form-data")


def test_public_material_on_the_top_page_and_archive_for_registrants(
    client, staff, db, event, make_registration
):
    console = staff(client)
    assert _upload(console, "パンフレット", PDF, "パンフレット.pdf").status_code == 302
    assert (
        _upload(
            console, "研修会議Ⅰ 資料１", PDF, "../../etc/資料1.pdf", registrants_only=True
        ).status_code
        == 302
    )
    public, private = db.session.scalars(select(Material).order_by(Material.id)).all()
    assert private.filename == "資料1.pdf"  # the path is dropped
    console.post("/console/logout")
    top = client.get("/").get_data(as_text=True)
    assert "パンフレット" in top and "研修会議Ⅰ 資料１" not in top
    assert client.get(f"/materials/{public.id}").data == PDF
    assert client.get(f"/materials/{private.id}").status_code == 404
    registration = make_registration("youtube")
    archive = client.get(f"/archive/{registration.token}").get_data(as_text=True)
    assert "研修会議Ⅰ 資料１" in archive
    assert client.get(f"/archive/{registration.token}/{private.id}").data == PDF
    assert client.get(f"/archive/not-a-token/{private.id}").status_code == 404


def test_a_disguised_file_is_refused(client, staff, db, event):
    html = _upload(staff(client), "資料", b"MZ\x90\x00 not a pdf", "資料.pdf").get_data(
        as_text=True
    )
    assert "PDF・Word・Excel・PowerPointのファイルを選択してください。" in html
    assert db.session.scalars(select(Material)).all() == []


def test_anonymise_after_the_retention_period(runner, db, event, make_registration, make_team):
    registration = make_registration("webinar")
    team = make_team(size=2)
    refused = runner.invoke(args=["anonymise-event", event.slug])
    assert refused.exit_code != 0 and "保存期間" in refused.output
    result = runner.invoke(args=["anonymise-event", event.slug, "--force"])
    assert result.exit_code == 0 and "3 名" in result.output
    db.session.expire_all()
    person = db.session.get(Registration, registration.id)
    assert person.name == "（削除済み）" and person.email.endswith("@invalid")
    assert person.category == "muni" and person.channel.code == "webinar"  # figures stay
    assert all(m.name == "（削除済み）" for m in team.members)
