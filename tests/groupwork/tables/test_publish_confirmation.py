"""Publishing the seat plan and sending the まとめ ask first (issue 10 §5): the confirmation
step names what is missing, nothing changes without the tick box, and a 管理者 may take a
published plan back with a reason, each 代表者 being told."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.core.jpdates import now_utc
from app.core.models import AuditLog, OutboxMessage
from app.groupwork.tables.models import TableAllocation
from app.groupwork.tables.services import allocate_tables, save_worksheet
from tests.groupwork.tables.test_services import municipalities, tokyo_teams, venue_of  # noqa: F401

BASE = "/console/groupwork/tables"


def _mails(db, kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def _audits(db, action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def _allocation(db) -> TableAllocation:
    db.session.expire_all()
    return db.session.scalar(select(TableAllocation))


def _with_one_team_without_choice(db, event, make_team, tokyo_teams):  # noqa: F811
    """The seven teams with 資料２ plus one without; allocated."""
    code = municipalities(db, 8)[-1]
    late = make_team(size=2, municipality=code)
    allocate_tables(venue_of(event), time_limit=5)
    return [*tokyo_teams, late]


def test_a_plain_publish_shows_what_is_missing_and_changes_nothing(
    db,
    client,
    staff,
    event,
    make_team,
    tokyo_teams,  # noqa: F811
):
    teams = _with_one_team_without_choice(db, event, make_team, tokyo_teams)
    staff(client)
    assert "資料２ 未提出 1/8団体" in client.get(f"{BASE}/tokyo").text  # shown before asking too
    outbox = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    page = client.post(f"{BASE}/tokyo/publish").get_data(as_text=True)
    assert "確認：グループ・座席の確定と公開" in page
    assert "資料２ 未提出 1/8団体" in page and teams[-1].municipality.full_name in page
    assert venue_of(event).scene_deadline > now_utc()
    assert "資料２の提出期限" in page and "まだ来ていません" in page
    assert 'name="confirmed"' in page and "各代表者へのメールはすぐに送られます" in page
    assert "この操作は取り消せません" not in page  # an admin may reopen it
    # the box left empty on the confirmation page: asked again, still nothing changed
    page = client.post(f"{BASE}/tokyo/publish", data={"confirm_seen": "1"}).get_data(as_text=True)
    assert "確認欄にチェックを入れてください" in page
    assert _allocation(db).status == "draft"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox
    assert not _audits(db, "tables.publish")
    anonymous = client.application.test_client()
    assert "座席表" not in anonymous.get(f"/t/{teams[0].representative.token}").text


def test_publishing_after_confirming_mails_each_representative(
    db,
    client,
    staff,
    tokyo_teams,  # noqa: F811
):
    staff(client)
    client.post(f"{BASE}/tokyo/allocate")
    page = client.post(f"{BASE}/tokyo/publish").get_data(as_text=True)
    assert "資料２ 未提出" not in page  # every team handed in its 資料２
    response = client.post(f"{BASE}/tokyo/publish", data={"confirmed": "1", "confirm_seen": "1"})
    assert response.status_code == 302
    assert _allocation(db).is_published
    sent = sorted(m.to_addr for m in _mails(db, "tables_published"))
    assert sent == sorted(t.representative.email for t in tokyo_teams)
    assert len(_audits(db, "tables.publish")) == 1


def test_only_an_admin_reopens_with_a_reason_and_every_representative_is_told(
    db,
    client,
    staff,
    event,
    tokyo_teams,  # noqa: F811
):
    from app.groupwork.tables.services import publish_allocation

    allocation = allocate_tables(venue_of(event), time_limit=5)
    publish_allocation(allocation)
    secretariat = staff(client)
    assert "公開の取消し" not in secretariat.get(f"{BASE}/tokyo").text
    data = {"reason": "多人数の自治体の辞退", "confirmed": "1"}
    assert secretariat.post(f"{BASE}/tokyo/reopen", data=data).status_code == 403
    assert _allocation(db).is_published

    admin = staff(client.application.test_client(), role="admin")
    assert "公開の取消し（管理者）" in admin.get(f"{BASE}/tokyo").text
    # no reason: refused with the message, still published, nobody mailed
    for blank in ({"reason": " ", "confirmed": "1"}, {"reason": " "}):
        response = admin.post(f"{BASE}/tokyo/reopen", data=blank)
        assert response.status_code == 422
        # the message is next to the reason, on the venue's page
        assert re.search(
            r'<p class="error" id="reopen-reason-error" role="alert">[^<]*理由を入力してください',
            response.text,
        )
    # a reason but no confirmation: the confirmation page, still published
    page = admin.post(f"{BASE}/tokyo/reopen", data={"reason": "多人数の自治体の辞退"}).text
    assert "確認：グループ・座席の公開の取消し" in page and "多人数の自治体の辞退" in page
    assert 'value="多人数の自治体の辞退"' in page  # the reason goes back with the confirmation
    assert _allocation(db).is_published and not _mails(db, "tables_reopened")

    assert admin.post(f"{BASE}/tokyo/reopen", data=data).status_code == 302
    assert _allocation(db).status == "draft"
    mails = _mails(db, "tables_reopened")
    assert sorted(m.to_addr for m in mails) == sorted(t.representative.email for t in tokyo_teams)
    assert all("見直し" in m.subject and "/t/" in m.body for m in mails)
    (entry,) = _audits(db, "tables.reopen")
    assert "多人数の自治体の辞退" in entry.detail
    anonymous = client.application.test_client()
    assert "座席表" not in anonymous.get(f"/t/{tokyo_teams[0].representative.token}").text
    # the plan can be changed again
    assert "自動で割り当てる" in admin.get(f"{BASE}/tokyo").text or "割当をやり直す" in (
        admin.get(f"{BASE}/tokyo").text
    )


def test_sending_the_matome_names_the_tables_without_one_and_asks_first(
    db,
    client,
    staff,
    event,
    tokyo_teams,  # noqa: F811
):
    allocation = allocate_tables(venue_of(event), time_limit=5)
    save_worksheet(allocation.tables[0], {"step8": "顔の見える関係づくり"}, by="書記")
    staff(client)
    page = client.post(f"{BASE}/tokyo/matome/send").text
    count = len(allocation.tables)
    assert "確認：まとめの送付" in page
    assert f"まとめ 未入力 {count - 1}/{count}卓" in page and "2卓" in page
    assert not _mails(db, "matome") and _allocation(db).matome_sent_at is None
    assert client.post(f"{BASE}/tokyo/matome/send", data={"confirmed": "1"}).status_code == 302
    assert len(_mails(db, "matome")) == len(tokyo_teams)
    page = client.post(f"{BASE}/tokyo/matome/send").text
    assert "送付済みです" in page


def test_the_confirmation_carries_a_fresh_submission_key_and_a_repeat_publishes_once(
    db,
    client,
    staff,
    tokyo_teams,  # noqa: F811
):
    import re

    staff(client)
    client.post(f"{BASE}/tokyo/allocate")
    first = "k" * 32
    page = client.post(f"{BASE}/tokyo/publish", data={"_submission": first}).text
    keys = re.findall(r'name="_submission" value="([^"]+)"', page)
    assert first not in keys and len(set(keys)) == len(keys)
    form_key = re.search(
        r'<form method="post" action="/console/groupwork/tables/tokyo/publish">.*?'
        r'name="_submission" value="([^"]+)"',
        page,
        re.S,
    ).group(1)
    data = {"_submission": form_key, "confirmed": "1", "confirm_seen": "1"}
    assert client.post(f"{BASE}/tokyo/publish", data=data).status_code == 302
    assert client.post(f"{BASE}/tokyo/publish", data=data).status_code in (302, 303)
    assert len(_mails(db, "tables_published")) == len(tokyo_teams)
    assert len(_audits(db, "tables.publish")) == 1
