"""A fresh install before any event exists: the pages that need one answer the Japanese 404."""

from __future__ import annotations


def test_pages_that_need_an_event_answer_404_before_there_is_one(client, staff, db):
    assert client.get("/").status_code == 404
    assert "ページが見つかりません" in client.get("/register").get_data(as_text=True)
    staff(client, "admin")
    for path in (
        "/console/",
        "/console/surveys/",
        "/console/reception/",
        "/console/groupwork/tables/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "ページが見つかりません" in response.get_data(as_text=True)
