"""Forms of the questionnaire. The questions themselves are data (definition.py) and are
validated by ``clean_answers``; these forms carry CSRF and the few fixed staff fields."""

from wtforms import IntegerField, MultipleFileField
from wtforms.validators import InputRequired, NumberRange

from app.core.forms import BaseForm

MULTI_KEYS = ("F2", "Q2_months")


class ResponseForm(BaseForm):
    """The public answer form (fields are rendered from the questionnaire definition)."""


class PaperEntryForm(BaseForm):
    """Staff entry of a paper form; the questions come from the definition."""

    paper_no = IntegerField(
        "用紙番号",
        validators=[
            InputRequired(message="用紙番号を入力してください。"),
            NumberRange(min=1, message="用紙番号は1以上の数字です。"),
        ],
    )


class SheetImportForm(BaseForm):
    """Upload of filled Excel sheets, many at once."""

    files = MultipleFileField("記入済みExcelシート（複数選択可）")


class ActionForm(BaseForm):
    """A button that posts (CSRF only)."""


def raw_answers(form_data) -> dict:
    """request.form → the raw mapping of clean_answers (lists for multiple-choice keys)."""
    raw = {}
    for key in form_data:
        values = form_data.getlist(key)
        raw[key] = values if key in MULTI_KEYS else (values[0] if values else "")
    return raw
