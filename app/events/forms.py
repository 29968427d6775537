"""Forms of the event settings in the console (issue 10 §1). Dates are JST date-time inputs
(``JSTDateTimeField``); every text is bounded and every number ranged (core.forms helpers)."""

from __future__ import annotations

import unicodedata

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import (
    BaseForm,
    DayField,
    MailAddress,
    max_length,
    number_range,
    to_choices,
)
from app.core.jpdates import JST, to_jst

DATE_TIME_FORMAT = "%Y-%m-%dT%H:%M"
DATE_MESSAGE = "日付と時刻を正しく入力してください。"


class JSTDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input in JST: shows a stored instant as JST wall-clock time and
    gives back an aware JST instant (None when left empty); the stored instant itself when the
    minute sent is the stored one's (its seconds are kept)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=DATE_TIME_FORMAT, **kwargs)

    def process_data(self, value):
        super().process_data(to_jst(value).replace(tzinfo=None) if value else value)

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(DATE_MESSAGE) from None
        if self.data is not None:
            self.data = self.data.replace(tzinfo=JST)
            # The input shows minutes only: a stored 23:59:59 sent back unchanged as 23:59 is
            # the same setting, not a change (saving another field must not move it).
            stored = self.object_data
            if stored is not None and to_jst(stored).replace(second=0, microsecond=0) == self.data:
                self.data = stored

    def pre_validate(self, form):
        pass


def _required(label: str):
    return DataRequired(message=f"{label}を入力してください。")


def _date_time(label: str, required: bool = False) -> JSTDateTimeField:
    return JSTDateTimeField(
        label,
        validators=[InputRequired(message=f"{label}を入力してください。")]
        if required
        else [Optional()],
    )


def _url(label: str) -> StringField:
    return StringField(
        label,
        validators=[
            Optional(),
            max_length(500, label),
            Regexp(
                r"^https?://\S+$", message=f"{label}は http:// または https:// で始めてください。"
            ),
        ],
    )


class CloneForm(BaseForm):
    """「前年度から作成」: the source event, the new year and its 研修会議Ⅰ day."""

    source = SelectField("元にする研修会議", coerce=int, choices=[])
    fiscal_year = IntegerField(
        "年度（西暦）",
        validators=[
            InputRequired(message="年度を入力してください。"),
            number_range(2019, 2100, message="年度は2019～2100の範囲で入力してください。"),
        ],
    )
    slug = StringField(
        "識別名（半角英数字）",
        validators=[
            _required("識別名"),
            max_length(40, "識別名"),
            Regexp(
                r"^[a-z0-9-]+$",
                message="識別名は半角の英小文字・数字・ハイフンで入力してください。",
            ),
        ],
    )
    training1_date = DayField(
        "研修会議Ⅰの開催日",
        validators=[InputRequired(message="研修会議Ⅰの開催日を入力してください。")],
    )


class EventForm(BaseForm):
    name = StringField("名称", validators=[_required("名称"), max_length(200, "名称")])
    short_name = StringField("略称", validators=[max_length(200, "略称")])
    theme = StringField("テーマ", validators=[max_length(200, "テーマ")])
    organiser = StringField("主催", validators=[max_length(200, "主催")])
    secretariat = StringField("事務局", validators=[max_length(200, "事務局")])
    contact_email = StringField(
        "問い合わせ先メールアドレス",
        validators=[Optional(), max_length(200, "メールアドレス"), MailAddress()],
    )
    contact_phone = StringField("問い合わせ先電話番号", validators=[max_length(50, "電話番号")])
    contact_note = TextAreaField("問い合わせ先の補足", validators=[max_length(2000)])
    notices = TextAreaField("お知らせ", validators=[max_length(5000, "お知らせ")])
    privacy_notice = TextAreaField("個人情報の取扱い", validators=[max_length(20000)])
    webinar_url = _url("ウェビナーURL")
    youtube_url = _url("YouTube URL")
    survey_opens_at = _date_time("アンケート開始日時")
    survey_closes_at = _date_time("アンケート締切日時")
    waitlist_offer_hours = IntegerField(
        "繰上げ案内の有効時間（時間）",
        validators=[InputRequired(message="有効時間を入力してください。"), number_range(1, 720)],
    )
    upload_limit_mb = IntegerField(
        "アップロード上限（MB）",
        validators=[
            InputRequired(message="アップロード上限を入力してください。"),
            number_range(1, 100),
        ],
    )
    retention_days = IntegerField(
        "個人情報の保存日数（日）",
        validators=[InputRequired(message="保存日数を入力してください。"), number_range(1, 3650)],
    )


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of check boxes (no JavaScript, no Ctrl-click)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        known = {str(c.value) for c in self.choices}
        if any(str(value) not in known for value in self.data or ()):
            raise ValidationError("選択肢にない値が送られました。選び直してください。")


class ChannelForm(BaseForm):
    capacity = IntegerField(
        "定員（空欄は上限なし）", validators=[Optional(), number_range(0, 100_000, "定員")]
    )
    capacity_is_target = BooleanField(
        "定員は目安（「〇名程度」）：超えた申込は選定中になり、事務局が参加を決定します"
    )
    eligible_categories = CheckboxesField("申込できる参加区分", choices=[])
    eligibility_note = StringField(
        "対象の説明（特設サイトの「対象」）", validators=[max_length(200, "対象の説明")]
    )
    opens_at = _date_time("受付開始日時", required=True)
    closes_at = _date_time("申込締切日時", required=True)
    reason = StringField("定員を減らす理由", validators=[max_length(200, "理由")])


def _count(label: str, low: int, high: int) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(message=f"{label}を入力してください。"),
            number_range(low, high, label),
        ],
    )


class VenueForm(BaseForm):
    name = StringField("会場名", validators=[_required("会場名"), max_length(50, "会場名")])
    facility = StringField("施設名", validators=[max_length(200, "施設名")])
    room = StringField("部屋", validators=[max_length(100, "部屋")])
    postal_code = StringField("郵便番号", validators=[max_length(20, "郵便番号")])
    address = StringField("住所", validators=[max_length(300, "住所")])
    address_note = StringField("住所の補足", validators=[max_length(300, "住所の補足")])
    url = _url("地図・案内のURL")
    access = TextAreaField("交通（1行に1つ）", validators=[max_length(3000, "交通")])
    emergency_contact = TextAreaField("当日の緊急連絡先", validators=[max_length(1000)])
    emergency_hours = StringField(
        "緊急連絡の対応時間（例：8：30～17：00）", validators=[max_length(50, "対応時間")]
    )
    room_rows = _count("会場の行数", 1, 12)
    room_cols = _count("会場の列数", 1, 12)
    table_count = _count("テーブル数", 1, 144)
    table_min = _count("1テーブルの最少人数", 1, 20)
    table_max = _count("1テーブルの最多人数", 1, 20)
    large_team_threshold = _count("多人数の団体（人以上）", 2, 20)
    scene_deadline = _date_time("資料２の提出期限")
    assignment_deadline = _date_time("資料３・４の提出期限")


class NewVenueForm(VenueForm):
    """「会場を追加」: the venue's settings and its 研修会議Ⅱ day, capacity and application
    period (the form's defaults come from the event's other venues)."""

    starts_at = _date_time("開始日時", required=True)
    ends_at = _date_time("終了日時", required=True)
    opens_at = _date_time("受付開始日時", required=True)
    closes_at = _date_time("申込締切日時", required=True)
    capacity = IntegerField(
        "定員（空欄は上限なし）", validators=[Optional(), number_range(1, 100_000, "定員")]
    )
    capacity_is_target = BooleanField(
        "定員は目安（「〇名程度」）：超えた申込は選定中になり、事務局が参加を決定します",
        default=True,
    )
    max_team_size = IntegerField(
        "1自治体の上限人数", validators=[Optional(), number_range(1, 20, "上限人数")]
    )
    reception_label = StringField(
        "受付の案内（例：10時00分受付（開場10：00））", validators=[max_length(100, "受付の案内")]
    )


_TIME = r"^[0-9０-９]{1,2}[:：][0-9０-９]{2}$"


def _time_of_day(label: str):
    """A validator: 0–23 hours and 0–59 minutes (「25：00」 and 「10：75」 are no time)."""

    def check(form, field):
        if field.data and not field.errors:
            hours, minutes = unicodedata.normalize("NFKC", field.data).split(":")
            if int(hours) > 23 or int(minutes) > 59:
                raise ValidationError(f"{label}は0：00～23：59の時刻で入力してください。")

    return check


def _time(label: str) -> StringField:
    message = f"{label}は「10：05」のように時：分で入力してください。"
    return StringField(
        label,
        validators=[
            Optional(),
            max_length(10, label),
            Regexp(_TIME, message=message),
            _time_of_day(label),
        ],
    )


def _minutes(text: str) -> int:
    hours, minutes = unicodedata.normalize("NFKC", text).split(":")
    return int(hours) * 60 + int(minutes)


def split_time_label(label: str) -> tuple[str, str]:
    """「10：05～10：30」 → ("10：05", "10：30"); 「９：45～」 → ("９：45", "")."""
    start, _, end = (label or "").partition("～")
    return start.strip(), end.strip()


class ProgrammeItemForm(BaseForm):
    """A row of a training's programme: from–to, title, speakers, and the label of the
    questionnaire's row when the row is rated."""

    time_from = _time("開始時刻")
    time_to = _time("終了時刻")
    title = TextAreaField("内容", validators=[_required("内容"), max_length(500, "内容")])
    speaker = TextAreaField("講師等（空欄可）", validators=[max_length(500, "講師等")])
    survey_label = StringField(
        "アンケートの評価項目名（空欄：評価しない）",
        validators=[max_length(200, "評価項目名")],
    )

    def validate_time_to(self, field):
        if field.data and not self.time_from.data:
            raise ValidationError("終了時刻だけでなく開始時刻も入力してください。")
        ordered = (
            field.data and self.time_from.data and not self.time_from.errors and not field.errors
        )
        if ordered and _minutes(field.data) <= _minutes(self.time_from.data):
            raise ValidationError("終了時刻は開始時刻より後にしてください。")

    def time_label(self) -> str:
        """The row's time as the programme prints it: 「10：05～10：30」 or 「９：45～」."""
        start = (self.time_from.data or "").replace(":", "：")
        end = (self.time_to.data or "").replace(":", "：")
        return f"{start}～{end}" if start else ""

    def values(self) -> dict:
        return {
            "time_label": self.time_label(),
            "title": self.title.data.strip(),
            "speaker": (self.speaker.data or "").strip(),
            "survey_label": (self.survey_label.data or "").strip(),
        }


class TrainingForm(BaseForm):
    focus = StringField("内容の説明（例：座学的事項を中心）", validators=[max_length(200, "内容")])
    format_label = StringField(
        "開催形式（例：集合開催（東京会場・大阪会場））", validators=[max_length(200, "開催形式")]
    )
    note = TextAreaField("注記", validators=[max_length(1000, "注記")])


class MoveForm(BaseForm):
    """「上へ」「下へ」: a plain POST button carrying the direction."""

    step = SelectField("移動", choices=to_choices([("-1", "上へ"), ("1", "下へ")]))
