"""Issue 12: the desk's search results are paged (30 a page), this venue's people first on every
page, the search kept in the pager's links."""

from __future__ import annotations

import html as html_lib
import re

from tests.groupwork.tables.test_services import municipalities


def test_search_results_are_paged_with_this_venues_people_first(db, desk, tokyo, make_team):
    codes = municipalities(db, 7)
    here = [m for code in codes[:6] for m in make_team(size=6, municipality=code).members]
    elsewhere = make_team(size=2, channel="t2_osaka", municipality=codes[6]).members
    assert len(here) == 36  # every made-up person is a 山田
    first = desk.get(f"/console/reception/{tokyo.id}?q=山田").text
    assert "検索結果（38名）" in first and "1 / 2 ページ" in first
    assert first.count("出席にする</button>") == 30
    assert not any(m.name + "<" in first for m in elsewhere)
    following = html_lib.unescape(re.search(r'<a href="([^"]+)" rel="next">', first)[1])
    assert "q=" in following and "page=2" in following
    second = desk.get(following).text
    assert "2 / 2 ページ" in second and second.count("出席にする</button>") == 6
    assert all(m.name + "<" in second for m in elsewhere)
    assert re.search(r"大阪会場[^<]*の参加者", second)
