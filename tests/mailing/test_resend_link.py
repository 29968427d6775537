"""「個人ページのURLを再送」 on the 特設サイト: the same answer for every address, a mail only to a
registered one (with every personal link of it), throttled with a Japanese page."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from app.core.models import OutboxMessage


def _links(db) -> list[OutboxMessage]:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "personal_links")
    ).all()


def _ask(client, email, address="198.51.100.7"):
    return client.post(
        "/resend-link",
        data={"email": email},
        environ_base={"REMOTE_ADDR": address},
        follow_redirects=True,
    )


def _page(response) -> str:
    """The page without its one-time submission key (a fresh one on every page)."""
    return re.sub(r'name="_submission" value="[^"]*"', "", response.get_data(as_text=True))


def test_the_top_page_links_to_it(client, event):
    assert "/resend-link" in client.get("/").get_data(as_text=True)


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_a_mail(
    client, db, event, population
):
    person = population.webinar[0]  # also a member of the 東京 team
    known = _ask(client, "  ICHIRO@city.example.jp ")
    unknown = _ask(client, "nobody@city.example.jp")
    assert known.status_code == unknown.status_code == 200
    assert known.request.path == unknown.request.path == "/resend-link"
    assert _page(known) == _page(unknown)
    assert "個人ページのURLをメールでお送りしました" in unescape(known.get_data(as_text=True))
    mails = _links(db)
    assert len(mails) == 1
    mail = mails[0]
    assert mail.to_addr == person.email  # the address as registered
    member = next(m for m in population.tokyo.members if m.name == person.name)
    assert f"/r/{person.token}" in mail.body and f"/t/{member.token}" in mail.body
    assert "令和" in mail.body


def test_a_cancelled_registration_still_gets_its_link_and_a_wrong_address_is_explained(
    client, db, event, population
):
    _ask(client, population.cancelled.email)
    assert population.cancelled.token in _links(db)[0].body
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    html = unescape(_ask(client, "not-an-address").get_data(as_text=True))
    assert "メールアドレスの形式が正しくありません" in html
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before


def test_one_address_is_throttled_from_any_client(app, client, db, event, population):
    email = population.youtube.email
    allowed = int(app.config["RESEND_LINK_LIMITS_PER_ADDRESS"].split()[0])
    for n in range(allowed):
        assert _ask(client, email, address=f"198.51.100.{n + 1}").status_code == 200
    refused = _ask(client, email, address="203.0.113.9")
    assert refused.status_code == 429
    assert "操作の回数が多すぎます" in refused.get_data(as_text=True)
    assert len(_links(db)) == allowed


def test_one_client_is_throttled_whatever_address_it_tries(app, client, db, event):
    allowed = int(app.config["RESEND_LINK_LIMITS"].split()[0])
    for n in range(allowed):
        assert _ask(client, f"guess{n}@city.example.jp").status_code == 200
    refused = _ask(client, "guess-more@city.example.jp")
    assert refused.status_code == 429
    assert "操作の回数が多すぎます" in refused.get_data(as_text=True)
    # Another client is not affected.
    assert _ask(client, "other@city.example.jp", address="192.0.2.50").status_code == 200
