"""Forms of the tables half (console and the 書記's link)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired

from app.core.forms import BaseForm, max_length, number_range
from app.groupwork.scenes import SCENES
from app.groupwork.tables.worksheet import WORKSHEET_FIELDS

SCENE_CHOICES = [SelectChoice(no, form_label) for no, _, form_label in SCENES]


class ActionForm(BaseForm):
    """A button that only needs the CSRF token (allocate, publish, send)."""


class ReopenForm(BaseForm):
    """管理者 takes a published plan back to 案: the reason is kept in the audit log."""

    reason = TextAreaField(
        "取り消す理由",
        validators=[DataRequired("理由を入力してください。"), max_length(500, "理由")],
    )


class MoveTeamForm(BaseForm):
    team = SelectField("自治体", coerce=int, validators=[InputRequired("自治体を選んでください。")])
    table = IntegerField(
        "移動先の卓番号",
        validators=[
            InputRequired("卓番号を入力してください。"),
            number_range(1, 999, "卓番号"),
        ],
    )


class SceneForm(BaseForm):
    scene = SelectField("場面", coerce=int, choices=SCENE_CHOICES)


def _member_id(value):
    return int(value) if value not in (None, "", "0") else None


class RolesForm(BaseForm):
    """司会・書記・発表者; 説明者 fields (explainer_<team id>) are added per table."""

    chair = SelectField("司会", coerce=_member_id)
    scribe = SelectField("書記", coerce=_member_id)
    presenter = SelectField("発表者（任意）", coerce=_member_id)


def roles_form(table, formdata=None):
    """A RolesForm for this table: choices are its members, one 説明者 field per team."""

    class _Form(RolesForm):
        pass

    for seat in table.seats:
        choices = [SelectChoice("", "（未定）")] + [
            SelectChoice(m.id, m.name) for m in seat.team.active_members
        ]
        setattr(
            _Form,
            f"explainer_{seat.team_id}",
            SelectField(
                f"説明者（{seat.team.municipality.full_name}）", coerce=_member_id, choices=choices
            ),
        )
    form = _Form(formdata=formdata)
    people = [SelectChoice("", "（未定）")] + [
        SelectChoice(m.id, f"{m.name}（{m.affiliation}）") for m in table.members
    ]
    for field in (form.chair, form.scribe, form.presenter):
        field.choices = people
    if formdata is None:
        form.chair.data, form.scribe.data = table.chair_id, table.scribe_id
        form.presenter.data = table.presenter_id
        for seat in table.seats:
            form[f"explainer_{seat.team_id}"].data = seat.explainer_id
    return form


def explainers_of(form, table) -> dict[int, int | None]:
    return {seat.team_id: form[f"explainer_{seat.team_id}"].data for seat in table.seats}


class WorksheetForm(BaseForm):
    """The 8 steps; step (5) as 短期目標 and 長期目標; step (8) is the まとめ."""


for _key, _label in WORKSHEET_FIELDS:
    # What one step of the A4 グループワークシート can print (the 書記 link is open to anyone
    # holding it: an unbounded text once took the venue's PDFs minutes to lay out).
    setattr(
        WorksheetForm,
        _key,
        TextAreaField(_label, validators=[max_length(1000)], render_kw={"rows": 4}),
    )


class PhotoForm(BaseForm):
    photo = FileField(
        "記入済みワークシートの写真（JPEG・PNG）またはPDF",
        validators=[FileRequired("ファイルを選んでください。")],
    )
