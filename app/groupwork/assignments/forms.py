"""Forms of the pre-assignments: 資料２, 資料３, uploads, and the secretariat's actions."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from app.core.forms import BaseForm, DayField, max_length, number_range
from app.core.text import normalise_text
from app.groupwork.assignments.rules import GRID_ROWS, SELF_SET_LABEL, SHEET_LABELS
from app.groupwork.assignments.services import PreAssignmentData
from app.groupwork.scenes import SCENE_FORM_LABELS, SCENE_LABELS

SCENE_CHOICES = [SelectChoice("", "選択してください")] + [
    SelectChoice(str(no), f) for no, f in SCENE_FORM_LABELS.items()
]


def _nfkc(value):
    return normalise_text(value) if isinstance(value, str) else value


class SceneChoiceForm(BaseForm):
    """資料２ 検討希望場面 (labels verbatim)."""

    first_scene = SelectField(
        "第１希望：",
        choices=SCENE_CHOICES,
        validators=[DataRequired(message="第１希望を選択してください。")],
    )
    second_scene = SelectField(
        "第２希望：",
        choices=SCENE_CHOICES,
        validators=[DataRequired(message="第２希望を選択してください。")],
    )
    note = TextAreaField("その他連絡事項（あれば記載）", validators=[Optional(), max_length(2000)])

    def validate_second_scene(self, field):
        if field.data and field.data == self.first_scene.data:
            raise ValidationError("第２希望は第１希望と異なる場面を選択してください。")


def _count(label: str):
    return IntegerField(
        label,
        validators=[
            Optional(),
            number_range(0, 99_999_999),
        ],
    )


class PreAssignmentForm(BaseForm):
    """資料３ 事前課題: Blocks A–D (labels verbatim in the template), grid fields added below."""

    municipality_name = StringField(
        SHEET_LABELS["municipality_name"], filters=[_nfkc], validators=[max_length(200)]
    )
    department = StringField(
        SHEET_LABELS["department"], filters=[_nfkc], validators=[max_length(200)]
    )
    name = StringField(SHEET_LABELS["name"], filters=[_nfkc], validators=[max_length(100)])
    occupation = StringField(
        SHEET_LABELS["occupation"], filters=[_nfkc], validators=[max_length(100)]
    )
    population = _count(SHEET_LABELS["population"])
    aging_rate = FloatField(
        SHEET_LABELS["aging_rate"],
        validators=[
            Optional(),
            number_range(0, 100, message="0から100までの数値で入力してください。"),
        ],
    )
    city_count = _count(SHEET_LABELS["city_count"])
    town_count = _count(SHEET_LABELS["town_count"])
    village_count = _count(SHEET_LABELS["village_count"])
    strengths = TextAreaField(SHEET_LABELS["strengths"], validators=[max_length(5000)])
    weaknesses = TextAreaField(SHEET_LABELS["weaknesses"], validators=[max_length(5000)])
    organisation_needs = TextAreaField(
        SHEET_LABELS["organisation_needs"], validators=[max_length(5000)]
    )
    want_to_learn = TextAreaField(SHEET_LABELS["want_to_learn"], validators=[max_length(5000)])
    save_draft = SubmitField("下書き保存")
    submit = SubmitField("提出する")

    def grid_field(self, no: int, key: str):
        return self[f"s{no}_{key}"]

    def fill(self, data: PreAssignmentData) -> None:
        for attr in (
            "municipality_name",
            "department",
            "name",
            "occupation",
            "population",
            "aging_rate",
            "city_count",
            "town_count",
            "village_count",
            "strengths",
            "weaknesses",
            "organisation_needs",
            "want_to_learn",
        ):
            self[attr].data = getattr(data, attr)
        for no in SCENE_LABELS:
            answers = data.grid.get(no, {})
            for key, _ in GRID_ROWS:
                self.grid_field(no, key).data = answers.get(key, "")
            self.grid_field(no, "self_set").data = bool(answers.get("self_set"))

    def data_object(self) -> PreAssignmentData:
        data = PreAssignmentData(
            **{
                attr: self[attr].data if self[attr].data is not None else default
                for attr, default in (
                    ("municipality_name", ""),
                    ("department", ""),
                    ("name", ""),
                    ("occupation", ""),
                    ("strengths", ""),
                    ("weaknesses", ""),
                    ("organisation_needs", ""),
                    ("want_to_learn", ""),
                )
            },
            population=self.population.data,
            aging_rate=self.aging_rate.data,
            city_count=self.city_count.data,
            town_count=self.town_count.data,
            village_count=self.village_count.data,
        )
        for no in SCENE_LABELS:
            answers: dict = {key: self.grid_field(no, key).data or "" for key, _ in GRID_ROWS}
            answers["self_set"] = bool(self.grid_field(no, "self_set").data)
            data.grid[no] = answers
        return data


for _no, _scene in SCENE_LABELS.items():
    for _key, _label in GRID_ROWS:
        setattr(
            PreAssignmentForm,
            f"s{_no}_{_key}",
            TextAreaField(f"{_scene}：{_label}", validators=[max_length(5000)]),
        )
    setattr(PreAssignmentForm, f"s{_no}_self_set", BooleanField(f"{_scene}：{SELF_SET_LABEL}"))


def data_from(pa) -> PreAssignmentData:
    """The stored 資料３ as form data."""
    data = PreAssignmentData(
        municipality_name=pa.municipality_name,
        department=pa.department,
        name=pa.name,
        occupation=pa.occupation,
        population=pa.population,
        aging_rate=pa.aging_rate,
        city_count=pa.city_count,
        town_count=pa.town_count,
        village_count=pa.village_count,
        strengths=pa.strengths,
        weaknesses=pa.weaknesses,
        organisation_needs=pa.organisation_needs,
        want_to_learn=pa.want_to_learn,
    )
    for no in SCENE_LABELS:
        data.grid[no] = pa.answers_for_scene(no)
    return data


class UploadForm(BaseForm):
    file = FileField("ファイル", validators=[FileRequired(message="ファイルを選択してください。")])


class ActionForm(BaseForm):
    """A POST button (CSRF token only)."""


class ExtensionForm(BaseForm):
    item = SelectField(
        "対象",
        choices=[SelectChoice("scene", "資料２"), SelectChoice("assignment", "資料３・４")],
        default="assignment",
    )
    deadline_date = DayField(
        "延長後の期限（日付）", validators=[InputRequired(message="日付を入力してください。")]
    )
    deadline_time = TimeField(
        "時刻（日本時間）", validators=[DataRequired(message="時刻を入力してください。")]
    )
    reason = StringField("理由（任意）", validators=[Optional(), max_length(500)])


class ReminderForm(BaseForm):
    item = SelectField(
        "督促する資料",
        choices=[
            SelectChoice("scene", "資料２ 検討希望場面"),
            SelectChoice("assignment", "資料３ 事前課題"),
            SelectChoice("overview", "資料４ 自治体概要資料"),
        ],
    )
