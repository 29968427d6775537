"""Forms of the public registration pages and of the console's registration actions."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from markupsafe import Markup, escape
from wtforms import DateField, FieldList, FormField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Optional,
    ValidationError,
)
from wtforms.widgets import Select

from app.core.fields import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    html_attributes,
    validation_attributes,
)
from app.core.forms import (
    BaseForm,
    MailAddress,
    SearchForm,
    SubForm,
    max_length,
    number_range,
    strip_control,
    to_choices,
    to_grouped_choices,
)
from app.core.text import as_typed, normalise_email, normalise_text
from app.registration.models import Registration
from app.registration.rules import CATEGORY_LABELS, TEAM_STATUS_LABELS
from app.registration.services.people import PersonData

CATEGORY_CHOICES = list(CATEGORY_LABELS.items())
SAME_MUNICIPALITY = "same"


def _nfkc(value):
    """Historical name: text is kept as typed (``as_typed``), NFKC only for matching (issue 9 §5)."""
    return as_typed(value) if isinstance(value, str) else value


def _email_filter(value):
    return normalise_text(value).replace(" ", "") if isinstance(value, str) else value


def required(label: str):
    return DataRequired(message=f"{label}を入力してください。")


class CachedOptionsSelect(Select):
    """WTForms' ``Select``, its options written once per choices list (issue 12).

    The 所属（自治体） picker has 1,788 options: writing them was 93 % of rendering the
    registration form. The options' HTML is kept per choices list (the list object: a new
    master gives new lists, see ``set_municipality_choices``) and ``selected`` is set on the
    chosen value's option: the same HTML WTForms writes, at the cost of one string search.
    """

    _kept: dict[int, tuple[list, str]] = {}

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        validation_attributes(self, field, kwargs)
        options = self._options(field)
        if field.data is not None:
            plain = f'<option value="{escape(field.data)}">'
            options = options.replace(plain, f'<option selected value="{escape(field.data)}">', 1)
        return Markup(f"<select {html_attributes(name=field.name, **kwargs)}>{options}</select>")

    def _options(self, field) -> str:
        kept = self._kept.get(id(field.choices))
        if kept is None or kept[0] is not field.choices:
            data, field.data = field.data, None
            try:
                html = str(Select.__call__(self, field))
            finally:
                field.data = data
            if len(self._kept) > 8:  # a master reloaded many times in one process
                self._kept.clear()
            kept = (field.choices, html[html.index(">") + 1 : -len("</select>")])
            self._kept[id(field.choices)] = kept
        return kept[1]


_grouped: dict[tuple[int, object], tuple[list, list]] = {}


def _grouped_choices_once(groups, *, skip_prefectures: bool = False) -> list:
    """``to_grouped_choices`` of a master's groups, built once per groups list (the master's
    ``grouped_choices()`` is a new list whenever the master is loaded again)."""
    kept = _grouped.get((id(groups), skip_prefectures))
    if kept is None or kept[0] is not groups:
        if len(_grouped) > 8:
            _grouped.clear()
        rows = [(name, pairs[1:]) for name, pairs in groups] if skip_prefectures else groups
        kept = (groups, to_grouped_choices(rows, first=("", "選択してください")))
        _grouped[(id(groups), skip_prefectures)] = kept
    return kept[1]


def set_municipality_choices(field: SelectField, groups) -> None:
    """Prefectures in code order, each with its municipalities (an <optgroup> each); the
    choices and their HTML are built once per master (``CachedOptionsSelect``)."""
    field.choices = _grouped_choices_once(groups)


def set_team_municipality_choices(field: SelectField, groups) -> None:
    """The applying municipality of a team: the municipalities without the prefectures."""
    field.choices = _grouped_choices_once(groups, skip_prefectures=True)


class PersonFieldsMixin:
    """氏名, ふりがな, メールアドレス, 電話番号, 参加区分, 所属, 部署名, 職種."""

    name = StringField("氏名", filters=[_nfkc], validators=[required("氏名"), max_length(100)])
    kana = StringField(
        "ふりがな", filters=[_nfkc], validators=[required("ふりがな"), max_length(100)]
    )
    email = EmailField(
        "メールアドレス",
        filters=[_email_filter],
        validators=[
            required("メールアドレス"),
            MailAddress(),
            max_length(254),
        ],
    )
    phone = StringField(
        "電話番号（任意）", filters=[_nfkc], validators=[Optional(), max_length(30)]
    )
    category = SelectField(
        "参加区分",
        choices=to_choices([("", "選択してください"), *CATEGORY_CHOICES]),
        validators=[InputRequired(message="参加区分を選択してください。")],
    )
    category_other = StringField("その他の内容", filters=[_nfkc], validators=[max_length(100)])
    municipality = SelectField(
        "所属（自治体）", choices=[], validate_choice=False, widget=CachedOptionsSelect()
    )
    organisation = StringField(
        "所属（団体名・機関名）", filters=[_nfkc], validators=[max_length(200)]
    )
    department = StringField(
        "部署名", filters=[_nfkc], validators=[required("部署名"), max_length(200)]
    )
    occupation = StringField(
        "職種", filters=[_nfkc], validators=[required("職種"), max_length(100)]
    )

    def validate_category(self, field):
        if field.data and field.data not in CATEGORY_LABELS:
            raise ValidationError("参加区分を選択してください。")

    def person_data(self) -> PersonData:
        return PersonData(
            name=self.name.data or "",
            kana=self.kana.data or "",
            email=self.email.data or "",
            category=self.category.data or "",
            municipality_code=self.municipality.data or "",
            organisation=self.organisation.data or "",
            department=self.department.data or "",
            occupation=self.occupation.data or "",
            phone=self.phone.data or "",
            category_other=self.category_other.data or "",
        )

    def fill_from(self, person) -> None:
        for name in (
            "name",
            "kana",
            "email",
            "phone",
            "category",
            "category_other",
            "organisation",
            "department",
            "occupation",
        ):
            getattr(self, name).data = getattr(person, name)
        self.municipality.data = person.municipality_code or ""


def set_member_municipality_choices(field: SelectField, prefectures) -> None:
    """A team member is staff of the applying municipality, of a prefecture, or of an
    organisation: 「申込自治体と同じ」 or one of the 47 prefectures (built once per master)."""
    kept = _grouped.get((id(prefectures), "member"))
    if kept is None or kept[0] is not prefectures:
        choices = to_choices(
            [("", "選択してください（団体の方は不要）"), (SAME_MUNICIPALITY, "申込自治体と同じ")]
            + [(code, f"{name}（都道府県）") for code, name in prefectures]
        )
        kept = (prefectures, choices)
        _grouped[(id(prefectures), "member")] = kept
    field.choices = kept[1]


class RegistrationForm(PersonFieldsMixin, BaseForm):
    """研修会議Ⅰ registration."""

    channel = RadioField(
        "参加方法",
        choices=to_choices(
            [("webinar", "ウェビナー参加"), ("youtube", "YouTubeライブ配信による参加")]
        ),
        validators=[InputRequired(message="参加方法を選択してください。")],
    )
    email_confirm = EmailField(
        "メールアドレス（確認用）",
        filters=[_email_filter],
        validators=[required("確認用のメールアドレス"), max_length(254)],
    )
    consent = BooleanField(
        "「個人情報の取扱いについて」に同意します",
        validators=[DataRequired(message="個人情報の取扱いへの同意が必要です。")],
    )
    join_waitlist = BooleanField("ウェビナー参加のキャンセル待ちに登録する")

    def validate_email_confirm(self, field):
        if normalise_email(field.data) != normalise_email(self.email.data):
            raise ValidationError(
                "確認用のメールアドレスが一致しません。もう一度入力してください。"
            )


class RegistrationEditForm(PersonFieldsMixin, BaseForm):
    """Change of one's own details on the personal page."""


class SwitchChannelForm(BaseForm):
    channel = HiddenField(validators=[DataRequired(), max_length(20)])


class MemberForm(PersonFieldsMixin, SubForm):
    """One row of the team form; a row left entirely blank is ignored."""

    def is_blank(self) -> bool:
        return not any(
            (getattr(self, n).data or "").strip()
            for n in ("name", "kana", "email", "department", "occupation", "organisation")
        )


class TeamForm(BaseForm):
    """研修会議Ⅱ team application by the 代表者 (first row)."""

    channel = RadioField(
        "会場", choices=[], validators=[InputRequired(message="会場を選択してください。")]
    )
    team_municipality = SelectField(
        "申込む市町村",
        choices=[],
        validate_choice=False,
        widget=CachedOptionsSelect(),
        validators=[InputRequired(message="申込む市町村を選択してください。")],
    )
    # One block to start with; the view adds the blocks in use (views._team_form).
    members = FieldList(FormField(MemberForm), min_entries=1)
    note = TextAreaField(
        "事務局への連絡事項（任意）", filters=[_nfkc], validators=[max_length(2000)]
    )
    consent = BooleanField(
        "「個人情報の取扱いについて」に同意し、参加者全員の同意を得ています",
        validators=[DataRequired(message="個人情報の取扱いへの同意が必要です。")],
    )

    def filled_members(self) -> list[MemberForm]:
        return [entry.form for entry in self.members if not entry.form.is_blank()]

    def members_data(self) -> list[PersonData]:
        """The filled rows; 「申込自治体と同じ」 becomes the team's municipality code."""
        rows = []
        for row in self.filled_members():
            data = row.person_data()
            if data.municipality_code == SAME_MUNICIPALITY:
                data.municipality_code = self.team_municipality.data or ""
            rows.append(data)
        return rows

    def validate(self, extra_validators=None) -> bool:
        """Validate only the rows that were filled in; blank rows are dropped."""
        top_ok = all(
            f.validate(self)
            for f in (self.channel, self.team_municipality, self.note, self.consent)
        ) and (not self.meta.csrf or self.csrf_token.validate(self))
        rows_ok = True
        filled = self.filled_members()
        for row in filled:
            rows_ok = row.validate() and rows_ok
        if not filled:
            self.members.errors = [*self.members.errors, "参加者を1名以上入力してください。"]
            rows_ok = False
        return top_ok and rows_ok


class TeamEditForm(TeamForm):
    """The 代表者 changes the members (venue and municipality stay)."""

    channel = HiddenField(validators=[max_length(20)])
    team_municipality = HiddenField(validators=[max_length(6)])


class ConsoleSearchForm(SearchForm):
    q = StringField(
        "検索（氏名・ふりがな・メール・所属）",
        filters=[strip_control],
        validators=[max_length(100)],
    )
    channel = SelectField("参加方法", choices=[], validate_choice=False)
    category = SelectField(
        "参加区分", choices=to_choices([("", "すべて"), *CATEGORY_CHOICES]), validate_choice=False
    )
    status = SelectField(
        "状態",
        choices=to_choices([*Registration.STATUSES.items(), ("", "すべて")]),
        # The list opens on what the select shows first; 「すべて」 is an explicit choice.
        default="active",
        validate_choice=False,
    )
    waitlist = SelectField(
        "キャンセル待ち",
        choices=to_choices([("", "—"), ("open", "キャンセル待ちの方（順番に）")]),
        validate_choice=False,
    )


class TeamSearchForm(SearchForm):
    q = StringField(
        "検索（自治体名・代表者名）", filters=[strip_control], validators=[max_length(100)]
    )
    channel = SelectField("会場", choices=[], validate_choice=False)
    status = SelectField(
        "状態",
        choices=to_choices([("", "すべて"), *TEAM_STATUS_LABELS.items()]),
        validate_choice=False,
    )


class _Day(DateField):
    """A day typed or picked (``<input type="date">``) with a message that says how."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("日付は「2024-04-01」の形で入力してください。") from None


class AuditSearchForm(SearchForm):
    """操作履歴: who (操作者), on what (対象), which action (操作) and between which days (JST)."""

    staff = StringField(
        "操作者", filters=[strip_control], validators=[Optional(), max_length(100, "操作者")]
    )
    target = StringField(
        "対象", filters=[strip_control], validators=[Optional(), max_length(100, "対象")]
    )
    action = SelectField("操作", choices=[], validate_choice=False)
    date_from = _Day("期間（から）", validators=[Optional()])
    date_to = _Day("期間（まで）", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("期間の終わりは始めより後の日にしてください。")


class MoveChannelForm(BaseForm):
    channel = SelectField("移動先", choices=[], validators=[DataRequired()])
    over_capacity = BooleanField("定員を超えて受け付ける")
    reason = StringField("理由", filters=[_nfkc], validators=[max_length(500)])

    def validate_reason(self, field):
        if self.over_capacity.data and not field.data:
            raise ValidationError("定員を超えて受け付ける理由を入力してください。")


class CancelForm(BaseForm):
    reason = StringField("理由", filters=[_nfkc], validators=[required("理由"), max_length(500)])


class CapacityForm(BaseForm):
    capacity = IntegerField(
        "定員",
        validators=[
            InputRequired(message="定員を入力してください。"),
            number_range(0, 100000),
        ],
    )
    reason = StringField("理由", filters=[_nfkc], validators=[required("理由"), max_length(500)])


class DecideTeamForm(BaseForm):
    decision = RadioField(
        "決定",
        choices=to_choices(
            [("accepted", "参加決定"), ("adjusted", "人数調整"), ("declined", "見送り")]
        ),
        validators=[InputRequired(message="決定内容を選択してください。")],
    )
    reason = StringField(
        "代表者へのメッセージ・理由（任意）", filters=[_nfkc], validators=[max_length(1000)]
    )


class AdmitForm(PersonFieldsMixin, BaseForm):
    """The secretariat registers someone, possibly over the capacity (with a reason)."""

    channel = SelectField("参加方法", choices=[], validators=[DataRequired()])
    reason = StringField(
        "定員超過で受け付ける場合の理由", filters=[_nfkc], validators=[max_length(500)]
    )


class ImportForm(BaseForm):
    file = FileField(
        "Excelファイル（.xlsx）",
        validators=[
            FileRequired(message="ファイルを選択してください。"),
            FileAllowed(["xlsx"], message="Excelファイル（.xlsx）を選択してください。"),
        ],
    )


class MaterialForm(BaseForm):
    # No NFKC here: it would turn 研修会議Ⅰ into 研修会議I and ① into 1.
    title = StringField(
        "資料名",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[required("資料名"), max_length(200)],
    )
    file = FileField(
        "ファイル（PDF・Word・Excel・PowerPoint）",
        validators=[FileRequired(message="ファイルを選択してください。")],
    )
    registrants_only = BooleanField("申込者限定（アーカイブ）にする")
