"""Forms of the questionnaire. The questions themselves are data (definition.py) and are
validated by ``clean_answers``; these forms carry CSRF and the few fixed staff fields."""

from dataclasses import dataclass, field

from wtforms import IntegerField, MultipleFileField
from wtforms.validators import InputRequired

from app.core.forms import BaseForm, number_range

MULTI_KEYS = ("F2", "Q2_months")


class ResponseForm(BaseForm):
    """The public answer form (fields are rendered from the questionnaire definition)."""


class PaperEntryForm(BaseForm):
    """Staff entry of a paper form; the questions come from the definition."""

    paper_no = IntegerField(
        "用紙番号",
        validators=[
            InputRequired(message="用紙番号を入力してください。"),
            number_range(1, 999_999, "用紙番号"),
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
# The entry screen types a matrix row's two digits (⓵内容 ②時間) in one box. Its name must differ
# from every answer key: 「Q1_1_1」 is also the 問1-1-1 comment, so the box is 「Q1_1_1_ct」.
PAIR_SUFFIX = "_ct"
SHORT_TITLES = {"F1": "所属", "F2": "資格", "F3": "参加状況"}


@dataclass(frozen=True)
class EntryField:
    """One box of the paper entry screen: its input name, its label, and how it is typed."""

    key: str
    label: str
    text: bool = False  # a comment (wide box) rather than numbers
    size: int = 3


@dataclass
class EntrySection:
    heading: str
    fields: list[EntryField] = field(default_factory=list)

    @property
    def numbers(self) -> list[EntryField]:
        return [f for f in self.fields if not f.text]

    @property
    def texts(self) -> list[EntryField]:
        return [f for f in self.fields if f.text]


def pair_key(qid: str, row: int) -> str:
    """The entry box of a matrix row (⓵② as two digits)."""
    return f"{qid}_{row}{PAIR_SUFFIX}"


def entry_sections(definition) -> list[EntrySection]:
    """The paper entry screen, in the order of the sheet: every item of the questionnaire with a
    label that cites it as the sheet does (「問6-1 全体テーマについて」, 「問1-1-1 対象番号」).

    One box per answer key, except a matrix row (two digits in one box) and 問3 (one digit per
    item in one box); no two boxes share a name.
    """
    sections: list[EntrySection] = []
    current: EntrySection | None = None
    for q in definition.questions:
        if q.kind == "matrix":
            name = definition.training_names.get(q.training, "")
            current = EntrySection(f"{q.name} {name}（⓵②の2桁）")
            sections.append(current)
            current.fields += [
                EntryField(pair_key(q.id, i), f"{i}. {row}") for i, row in enumerate(q.rows, 1)
            ]
            continue
        if q.kind == "text" and q.training:
            rows = len(definition.question(COMMENT_OF[q.id]).rows) if q.id in COMMENT_OF else 0
            current.fields += [
                EntryField(f"{q.id}_row", f"{q.name} 対象番号（1～{rows}）"),
                EntryField(q.id, f"{q.name} 自由記載", text=True),
            ]
            current = None
            continue
        if current is None:
            current = EntrySection("")
            sections.append(current)
        short = SHORT_TITLES.get(q.id, "")
        title = f"{q.name} {short}".strip()
        if q.kind == "single":
            current.fields.append(EntryField(q.id, f"{title}（1～{len(q.options)}）"))
        elif q.kind == "multiple":
            current.fields.append(EntryField(q.id, f"{title}（例 145）", size=6))
        elif q.kind == "items":
            rows = "・".join(row.split("（")[0] for row in q.rows)
            current.fields.append(EntryField(q.id, f"{title} {rows}（{len(q.rows)}桁）"))
        elif q.kind == "months":
            current.fields += [
                EntryField("Q2_months", f"{title} 月（例 9,10）", size=8),
                EntryField("Q2_reason", f"{title} {q.rows[1]}", text=True),
            ]
        elif q.kind == "texts":
            current.fields += [
                EntryField(f"{q.id}_{i}", f"{q.name}-{i} {row}", text=True)
                for i, row in enumerate(q.rows, 1)
            ]
        elif q.kind == "text":
            current.fields.append(EntryField(q.id, title, text=True))
        if any(o.other for o in q.options):
            current.fields.append(EntryField(f"{q.id}_other", f"{title} その他の内容", text=True))
    for section in sections:
        if not section.heading:
            names = [f.label.split(" ")[0].split("（")[0] for f in section.fields]
            section.heading = names[0] if len(set(names)) == 1 else f"{names[0]}～{names[-1]}"
    return sections


# 問1-1-1 comments on a row of 問1-1, 問1-2-1 on 問1-2.
COMMENT_OF = {"Q1_1_1": "Q1_1", "Q1_2_1": "Q1_2"}


def entry_to_raw(form_data, definition) -> dict:
    """The paper entry screen → the raw mapping of clean_answers.

    Each 問1-1/問1-2 row is typed as two digits in its box ``Q1_1_3_ct`` (⓵内容 then ②時間, 0 or
    - for blank), 問3 as two digits (Ⅰ then Ⅱ), F2 as its digits (「145」), 問2 months as numbers
    separated by commas. Every other box is the answer key itself.
    """
    raw = {k: v for k, v in form_data.items() if k != "csrf_token"}
    for q in definition.questions:
        if q.kind == "matrix":
            for i in range(1, len(q.rows) + 1):
                pair = (raw.pop(pair_key(q.id, i), "") or "").strip()
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
    """Errors of clean_answers keyed by the entry screen's boxes (a matrix row's ⓵② share one
    box, so do 問3's items)."""
    matrices = {q.id for q in definition.questions if q.kind == "matrix"}
    items = {q.id for q in definition.questions if q.kind == "items"}
    out = {}
    for key, message in errors.items():
        head, _, last = key.rpartition("_")
        qid, _, row = head.rpartition("_")
        if last in ("c", "t") and qid in matrices and row.isdigit():
            key = pair_key(qid, int(row))
        elif head in items and last.isdigit():
            key = head
        out.setdefault(key, message)
    return out
