from sqlalchemy import func, select

from app.registration.models import Registration
from tests.preview.conftest import TEST_NAME, person_form


def test_smoke(previewing, not_yet_open, db, client):
    staff = previewing()
    page = staff.get("/register")
    assert "プレビュー中" in page.get_data(as_text=True), page.get_data(as_text=True)[:3000]
    response = staff.post("/register", data=person_form(TEST_NAME, "t@example.jp"))
    assert response.status_code == 302, response.get_data(as_text=True)
    done = staff.get(response.headers["Location"])
    assert done.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    rows = db.session.scalars(select(Registration).execution_options(include_tests=True)).all()
    assert [r.is_test for r in rows] == [True]
    console = staff.get("/console/preview").get_data(as_text=True)
    assert TEST_NAME in console
    assert TEST_NAME not in staff.get("/console/registrations").get_data(as_text=True)
