"""The team application grows one member block at a time (issue 11 §4): it starts with the
代表者's block; without JavaScript a count is chosen first or one block added per press; 必須
marks only the blocks shown; filled blocks are never dropped."""

from __future__ import annotations

import re

from tests.registration.test_views import _member, _team_form


def blocks(html: str) -> int:
    return html.count('<fieldset class="member">') - html.count('<template id="member-template">')


def required_marks(html: str) -> int:
    html = re.sub(r"<template.*?</template>", "", html, flags=re.S)
    return html.count('<span class="req">必須</span>')


def test_the_application_starts_with_the_representative_only(client, event):
    html = client.get("/team/apply").text
    assert blocks(html) == 1
    assert "1人目（代表者：市町村担当者）" in html and "2人目" not in html.split("<template")[0]
    assert '<label for="member_count">参加人数（代表者を含む）</label>' in html


def test_a_count_chosen_first_shows_that_many_blocks_and_required_marks_follow(client, event):
    def chosen(n: int) -> str:
        return client.post("/team/apply", data={"set_count": "1", "member_count": str(n)}).text

    one, two, three = chosen(1), chosen(2), chosen(3)
    assert [blocks(one), blocks(two), blocks(three)] == [1, 2, 3]
    assert "3人目" in three and '<option value="3" selected>3名</option>' in three
    per_block = required_marks(two) - required_marks(one)
    assert per_block > 0  # 必須 on the blocks in use, and only on them
    assert required_marks(three) == required_marks(one) + 2 * per_block


def test_adding_a_member_keeps_what_was_typed(client, event):
    html = client.post(
        "/team/apply", data=_team_form([_member(1), _member(2)], add_row="1", member_count="2")
    ).text
    assert blocks(html) == 3
    assert 'value="札幌 太郎1"' in html and 'value="札幌 太郎2"' in html


def test_a_smaller_count_never_drops_a_filled_block(client, event):
    html = client.post(
        "/team/apply",
        data=_team_form([_member(1), _member(2)], set_count="1", member_count="1"),
    ).text
    assert blocks(html) == 2 and 'value="札幌 太郎2"' in html


def test_the_change_form_shows_the_team_as_it_is(client, make_team):
    team = make_team(size=3)
    html = client.get(f"/t/{team.representative.token}/edit").text
    assert blocks(html) == 3
