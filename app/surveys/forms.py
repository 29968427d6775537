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


PAIR_BLANK = "0-－ 　"


def entry_to_raw(form_data, definition) -> dict:
    """The paper entry screen → the raw mapping of clean_answers.

    Each 問1-1/問1-2 row is typed as two digits (⓵内容 then ②時間, 0 or - for blank), 問3 as two
    digits (Ⅰ then Ⅱ), F2 as its digits (「145」), 問2 months as numbers separated by commas.
    """
    raw = {k: v for k, v in form_data.items() if k != "csrf_token"}
    for q in definition.questions:
        if q.kind == "matrix":
            for i in range(1, len(q.rows) + 1):
                pair = (raw.pop(f"{q.id}_{i}", "") or "").strip()
                raw[f"{q.id}_{i}_c"] = "" if not pair or pair[0] in PAIR_BLANK else pair[0]
                rest = pair[1:].strip()
                raw[f"{q.id}_{i}_t"] = "" if not rest or rest in PAIR_BLANK else rest
        elif q.kind == "items":
            pair = (raw.pop(q.id, "") or "").strip()
            for i in range(1, len(q.rows) + 1):
                digit = pair[i - 1] if len(pair) >= i else ""
                raw[f"{q.id}_{i}"] = "" if digit in PAIR_BLANK else digit
    return raw


def entry_errors(errors: dict, definition) -> dict:
    """Errors of clean_answers keyed by the entry screen's fields (pairs share one input)."""
    out = {}
    for key, message in errors.items():
        parts = key.split("_")
        if key.endswith(("_c", "_t")) and len(parts) == 4:
            key = "_".join(parts[:3])
        elif key.startswith("Q3_"):
            key = "Q3"
        out.setdefault(key, message)
    return out
