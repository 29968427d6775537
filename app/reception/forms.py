"""Forms of the reception desk and of the webinar report import."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired

from app.core.forms import BaseForm, SearchForm, max_length, strip_control


class ScanForm(BaseForm):
    """The field a barcode reader types into (it ends with Enter, which submits)."""

    code = StringField(
        "受付コード",
        validators=[DataRequired(message="コードを読み取ってください。"), max_length(60)],
    )


class PeopleSearchForm(SearchForm):
    q = StringField("氏名・ふりがなで検索", filters=[strip_control], validators=[max_length(50)])


class CheckInForm(BaseForm):
    """出席 from the search results or the paper 受付名簿 (only the CSRF token)."""


class UndoForm(BaseForm):
    reason = StringField("取消の理由", validators=[max_length(100)])


class ReportImportForm(BaseForm):
    file = FileField(
        "出席者レポート（CSV）",
        validators=[
            FileRequired(message="ファイルを選択してください。"),
            FileAllowed(["csv"], message="CSVファイル（.csv）を選択してください。"),
        ],
    )
    email_column = StringField(
        "メールアドレスの列名（Zoom以外のとき）", validators=[max_length(50)]
    )
    minutes_column = StringField("時間（分）の列名（任意）", validators=[max_length(50)])
