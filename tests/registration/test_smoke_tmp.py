def test_smoke(event, make_registration, make_team, db):
    r = make_registration()
    assert r.channel.code == "webinar"
    t = make_team(size=3)
    assert t.status == "received"
    from app.core.models import OutboxMessage

    assert db.session.query(OutboxMessage).count() == 4
