"""The refusals of the 研修会議Ⅱ application by an earlier application of the municipality
(１自治体１団体) or by the deadline (issue 12): a short page with the venue, the municipality
and the members as typed, the personal links sent again in one click (the duplicate), and
「入力内容を修正する」 for the whole form as typed. A refusal by what was typed keeps the form."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.models import OutboxMessage
from app.registration.models import Team
from tests.registration.test_refused_page import _data, _forms
from tests.registration.test_views import _member, _team_form

MEMBERS = [_member(1), _member(2, "kankei_dantai", "", "札幌市医師会")]


def _teams(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Team))


def test_a_municipality_that_has_applied_gets_a_short_page_and_its_links_in_one_click(
    client, db, event, make_team
):
    first = make_team(size=2, municipality="011002")
    representative = first.representative.email
    typed = _team_form([dict(MEMBERS[0], email=representative), MEMBERS[1]], channel="t2_osaka")
    html = client.post("/team/apply", data=typed).get_data(as_text=True)

    assert "北海道札幌市からは既に研修会議Ⅱ（東京会場）への申込みがあります" in html
    assert "<select" not in html  # not the 1,741 municipalities again
    for shown in ("研修会議Ⅱ（大阪会場）", "北海道札幌市", "札幌 太郎1", "札幌 太郎2"):
        assert shown in html, shown
    resend, correct = _forms(html)
    assert (resend["button"], resend["action"]) == ("個人ページのURLを再送する", "/resend-link")
    assert set(_data(resend)) - {"csrf_token", "_submission"} == {"email"}
    assert client.post("/resend-link", data=_data(resend)).status_code == 302
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert mail.to_addr == representative
    assert f"/t/{first.representative.token}" in mail.body
    assert correct["button"] == "入力内容を修正する"
    assert _teams(db) == 1


def test_correcting_shows_the_whole_form_as_typed_and_another_municipality_applies(
    client, db, event, make_team
):
    make_team(size=2, municipality="011002")
    typed = _team_form(MEMBERS, note="車椅子で参加する者がいます")
    correct = _forms(client.post("/team/apply", data=typed).get_data(as_text=True))[-1]
    html = client.post("/team/apply", data=_data(correct)).get_data(as_text=True)

    assert '<option selected value="011002">' in html  # the municipality chosen
    assert 'value="札幌 太郎2"' in html and 'value="札幌市医師会"' in html
    assert "車椅子で参加する者がいます" in html
    assert "入力内容を確認してください" not in html  # nothing refused on this page
    assert _teams(db) == 1
    # From there the 代表者 picks the right municipality and sends the whole form.
    assert (
        client.post("/team/apply", data=dict(typed, team_municipality="012025")).status_code == 302
    )
    assert _teams(db) == 2


def test_a_closed_venue_answers_a_short_page_without_the_links(client, db, event, close_channel):
    close_channel(event.channel("t2_tokyo"))
    html = client.post("/team/apply", data=_team_form(MEMBERS)).get_data(as_text=True)

    assert "研修会議Ⅱ（東京会場）の申込受付は締め切りました。" in html
    assert "<select" not in html and "個人ページのURLを再送する" not in html
    assert [f["button"] for f in _forms(html)] == ["入力内容を修正する"]
    assert _teams(db) == 0


def test_a_refusal_by_what_was_typed_still_shows_the_form_with_the_message_at_its_field(
    client, db, event
):
    """A 代表者 who is not 市町村担当者 is the typist's to correct: the form, at its field."""
    members = [_member(1, "kankei_dantai", "", "札幌市医師会"), _member(2)]
    html = client.post("/team/apply", data=_team_form(members)).get_data(as_text=True)
    assert "代表者は市町村担当者の方としてください。" in html
    assert "<select" in html and "入力内容を修正する" not in html
    assert _teams(db) == 0
