"""「再送」 on a person's page returns to that page (attack session, issue 10 §4): the view went
back to the Referer, which a browser never sends (the app's ``Referrer-Policy: no-referrer``),
so the 事務局 landed on the outbox list and had to find the person again."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.models import OutboxMessage


def test_resend_on_a_persons_page_returns_to_that_page(client, staff, db, event, make_registration):
    registration = make_registration("youtube")
    message = db.session.scalars(select(OutboxMessage)).one()
    staff(client)
    page_url = f"/console/registrations/{registration.id}"
    page = client.get(page_url).text
    form = re.search(
        rf'<form method="post" action="/console/outbox/{message.id}/resend">(.*?)</form>',
        page,
        flags=re.S,
    )
    assert form, "the person's page offers 再送"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))
    response = client.post(f"/console/outbox/{message.id}/resend", data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page_url)


def test_resend_never_goes_to_another_site(client, staff, db, event, make_registration):
    make_registration("youtube")
    message = db.session.scalars(select(OutboxMessage)).one()
    staff(client)
    for target in ("https://evil.example/", "//evil.example/console/", "/r/abc"):
        response = client.post(f"/console/outbox/{message.id}/resend", data={"next": target})
        assert response.headers["Location"].endswith("/console/outbox"), target
