"""Every confirmation page of an irreversible action has its way back (「← 前の画面に戻る（実行しない）」)
in a real browser: the app sends ``Referrer-Policy: no-referrer``, so a browser never tells the
confirmation page where it came from, and pages that relied on the Referer had no back link
(テスト送信の削除, 掲載資料の削除, アンケート依頼メール …). A sweep over the registry."""

from __future__ import annotations

import re

from app.core.confirm import irreversible_endpoints
from app.groupwork.assignments.services import save_scene_choice, store_team_file
from app.groupwork.tables.services import allocate_tables, publish_allocation
from app.registration.services.materials import add_material
from tests.core.test_access_sweep import _fill


def test_every_confirmation_page_links_back_without_a_referer(
    app, client, db, staff, event, make_team, make_registration
):
    make_registration("webinar")
    teams = [make_team(size=2, municipality=code) for code in ("011002", "012025")]
    save_scene_choice(teams[0], 1, 2, staff=True)
    publish_allocation(allocate_tables(next(v for v in event.venues if v.code == "tokyo"), 5))
    pdf = b"%PDF-1.4\n%%EOF\n"
    material = add_material(event, "当日資料", "a.pdf", pdf, registrants_only=False)
    team_file = store_team_file(teams[1], "overview", "概要.pdf", pdf, staff=True)
    staff(client, "admin")
    assert "no-referrer" in client.get("/console/").headers["Referrer-Policy"]
    rules = {r.endpoint: r for r in app.url_map.iter_rules() if "POST" in r.methods}
    missing = []
    for endpoint in irreversible_endpoints(app):
        path = _fill(
            rules[endpoint], {"mid": material.id, "file_id": team_file.id, "code": "tokyo"}
        )
        page = client.post(path, data={"reason": "確認のため", "item": "scene"}).text
        # 「← 前の画面に戻る（実行しない）」, or a page's own 「← 〇〇に戻る」
        back = re.search(r'class="back(?:-link)?"><a href="([^"]+)"[^>]*>←', page)
        if back is None:
            missing.append(endpoint)
            continue
        assert client.get(back.group(1)).status_code == 200, (endpoint, back.group(1))
    assert not missing, f"confirmation pages without a way back: {missing}"
