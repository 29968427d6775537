"""The questionnaire as data, and the validation of one answer (pure).

The FY2023 「参加者アンケート」 (seed-spec.md §6, decisions.md: Questionnaire) is generated from an
event's programme and venues, so next year's questionnaire follows next year's programme. Every way
in (web form, Excel sheet, paper entry) turns its input into the same raw mapping and calls
:func:`clean_answers`, so one rule decides what an answer is.

No Flask, no SQLAlchemy: plain values in, plain values or :class:`AnswerError` out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from functools import lru_cache

from app.core.text import CONTROL_IN_TEXT

TITLE = "令和5年度　在宅医療・介護連携推進支援事業　都道府県・市町村担当者等研修会議"
SUBTITLE = "参加者アンケート"
SECTIONS = {
    1: "Ⅰ．ご所属等について",
    2: "Ⅱ．研修会議について",
    3: "Ⅲ．今後の研修会議に期待することについて",
}
CLOSING = "～　御回答ありがとうございました　～"

# Channels: how the respondent reached the questionnaire (decisions.md: each QR code and URL
# carries its channel). Codes are short because they are part of the public URL.
CHANNELS: dict[str, str] = {
    "qr": "研修会議Ⅰ後に表示されたQRコード",
    "chat": "研修会議Ⅰ終了後にチャットにて送付されたURL",
    "mail": "メールにて送付されたQRコード・URL",
    "excel": "メールにて送付されたExcelシート",
    "paper": "研修会議Ⅱ終了後に配付された用紙",
}
CHANNEL_SHORT: dict[str, str] = {
    "qr": "画面QR",
    "chat": "チャットURL",
    "mail": "メール",
    "excel": "Excel",
    "paper": "用紙",
}
# Every channel's URL and QR code records its answers under that channel (the Excel channel's
# too: a respondent who got the sheet may answer on the web through its code instead).
WEB_CHANNELS = tuple(CHANNELS)

# F1 with the two typos corrected (decisions.md 29); the group is the cross-tab grouping.
F1_OPTIONS: list[tuple[str, str]] = [
    ("都道府県", "都道府県"),
    ("保健所（都道府県）", "保健所"),
    ("保健所（市・特別区設置）", "保健所"),
    ("市町村", "市町村"),
    ("委託業者", "その他"),
    ("地方厚生（支）局", "その他"),
    ("医師会", "関係団体"),
    ("歯科医師会", "関係団体"),
    ("薬剤師会", "関係団体"),
    ("看護協会・訪問看護協議会または地域の連絡会", "関係団体"),
    ("介護支援専門員協会または地域の連絡会", "関係団体"),
    ("栄養士会または地域の連絡会", "関係団体"),
    ("理学療法士協会", "関係団体"),
    ("作業療法士協会", "関係団体"),
    ("言語聴覚士協会", "関係団体"),
    ("歯科衛生士会", "関係団体"),
    ("医療ソーシャルワーカー協会", "関係団体"),
    ("地域包括支援センター", "関係団体"),
    ("在宅医療・介護連携推進事業に係るコーディネーター", "コーディネーター"),
    ("消防署", "その他"),
    ("大学等の教育機関", "その他"),
    ("民間企業", "その他"),
    ("その他（自由記載）", "その他"),
]
F1_GROUPS = ["都道府県", "保健所", "市町村", "関係団体", "コーディネーター", "その他"]
F2_OPTIONS = [
    "医師",
    "歯科医師",
    "薬剤師",
    "保健師",
    "看護師",
    "歯科衛生士",
    "介護支援専門員",
    "医療ソーシャルワーカー",
    "その他（自由記載）",
]
SCALE_CONTENT = [
    "参考になった",
    "やや参考になった",
    "どちらでもない",
    "あまり参考にならなかった",
    "参考にならなかった",
]
SCALE_TIME = ["長い", "やや長い", "適切", "やや短い", "短い"]
SCALE_CONTENT_LABEL = "⓵内容について"
SCALE_TIME_LABEL = "②時間について"
Q3_MODES = ["対面", "オンライン", "ハイブリッド"]
Q4_OPTIONS = [
    "都道府県担当者等研修会議、市町村担当者等研修会議それぞれで開催してほしい",
    "都道府県・市町村担当者等研修会議としてほしい",
]
Q5_OPTIONS = [
    "自治体担当者のみがよい",
    "自治体担当者に加え地域の関係団体も含めた方がよい",
]
Q6_PARTS = [
    "全体テーマについて",
    "行政説明について",
    "基調講演について",
    "事例発表について",
    "その他",
]
Q7_PARTS = ["グループワークのテーマについて", "行政説明について"]
MONTHS = list(range(1, 13))
TEXT_MAX = 4000
OTHER_MAX = 200

FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


class AnswerError(Exception):
    """An answer refused; ``errors`` maps field keys to Japanese messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Option:
    code: int
    label: str
    other: bool = False  # その他（自由記載）: comes with a text
    group: str = ""  # F1: cross-tab group
    attends: tuple[str, ...] = ()  # F3: trainings attended (t1, t2)
    venue: str = ""  # F3: the venue's code (empty in questionnaires made before venues had one)


@dataclass(frozen=True)
class Question:
    """One item of the form. ``kind``: single | multiple | matrix | text | months | items | texts."""

    id: str
    number: str
    label: str
    kind: str
    section: int
    options: tuple[Option, ...] = ()
    rows: tuple[str, ...] = ()
    required: bool = False
    training: str = ""  # t1 / t2: asked only of those who attended it
    notes: tuple[str, ...] = ()
    heading: str = ""  # printed before the item (問1.)

    @property
    def name(self) -> str:
        """The number as a person cites it: 「問1-1」, 「F1」 (without the printed 「.」)."""
        return self.number.rstrip(".．")

    def option(self, code: int) -> Option:
        for opt in self.options:
            if opt.code == code:
                return opt
        raise KeyError(code)


@dataclass(frozen=True)
class Definition:
    title: str
    subtitle: str
    sections: dict[int, str]
    closing: str
    questions: tuple[Question, ...]
    training_names: dict[str, str] = field(default_factory=dict)
    # What changed after the first answer (「会場『…』をF3の選択肢に追加しました」), oldest first.
    changes: tuple[str, ...] = ()

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["sections"] = {str(k): v for k, v in self.sections.items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> Definition:
        questions = tuple(
            Question(
                **{
                    **q,
                    "options": tuple(
                        Option(**{**o, "attends": tuple(o.get("attends", ()))})
                        for o in q.get("options", ())
                    ),
                    "rows": tuple(q.get("rows", ())),
                    "notes": tuple(q.get("notes", ())),
                }
            )
            for q in data["questions"]
        )
        return cls(
            title=data["title"],
            subtitle=data["subtitle"],
            sections={int(k): v for k, v in data["sections"].items()},
            closing=data["closing"],
            questions=questions,
            training_names=dict(data.get("training_names", {})),
            changes=tuple(data.get("changes", ())),
        )

    # Field keys of the flat answer mapping, in form order.
    def matrix_keys(self, qid: str) -> list[tuple[int, str, str]]:
        """(row number, content key, time key) for each row of a rating matrix."""
        q = self.question(qid)
        return [(i, f"{qid}_{i}_c", f"{qid}_{i}_t") for i in range(1, len(q.rows) + 1)]

    def attends(self, f3: int | None) -> tuple[str, ...]:
        """Trainings attended according to an F3 answer."""
        if f3 is None:
            return ()
        try:
            return self.question("F3").option(f3).attends
        except KeyError:
            return ()

    def text_fields(self) -> list[tuple[str, str]]:
        """(key, label) of every free-text field, in form order."""
        out = []
        for q in self.questions:
            if q.kind == "text":
                out.append((q.id, q.name))
            elif q.kind == "months":
                out.append(("Q2_reason", f"{q.name} {q.rows[1]}"))
            elif q.kind == "texts":
                for i, row in enumerate(q.rows, 1):
                    out.append((f"{q.id}_{i}", f"{q.name}-{i} {row}"))
        return out


def _fw(n: int) -> str:
    return str(n).translate(FULLWIDTH_DIGITS)


def build_definition(
    t1_rows: Sequence[str],
    t2_rows: Sequence[str],
    venue_names: Sequence[str],
    t1_name: str = "研修会議Ⅰ",
    t2_name: str = "研修会議Ⅱ",
    title: str = TITLE,
    venue_codes: Sequence[str] = (),
) -> Definition:
    """The questionnaire of an event: 問1-1 rows from 研修会議Ⅰ's programme, 問1-2 rows from
    研修会議Ⅱ's, F3 options from the venues (``venue_codes``, parallel to ``venue_names``,
    tie each option to its venue); every other label as in seed-spec.md §6 with the
    corrections of decisions.md."""
    f1 = tuple(
        Option(i, label, other=(i == len(F1_OPTIONS)), group=group)
        for i, (label, group) in enumerate(F1_OPTIONS, 1)
    )
    f2 = tuple(
        Option(i, label, other=(i == len(F2_OPTIONS))) for i, label in enumerate(F2_OPTIONS, 1)
    )
    codes = list(venue_codes) or [""] * len(venue_names)
    venues = list(zip(venue_names, codes, strict=True))
    f3_labels: list[tuple[str, tuple[str, ...], str]] = [(f"{t1_name}のみ参加", ("t1",), "")]
    f3_labels += [(f"{t2_name}（{v}）のみ参加", ("t2",), c) for v, c in venues]
    f3_labels += [(f"{t1_name}と{t2_name}（{v}）に参加", ("t1", "t2"), c) for v, c in venues]
    f3 = tuple(Option(i, label, attends=a, venue=c) for i, (label, a, c) in enumerate(f3_labels, 1))

    def matrix(qid: str, number: str, name: str, rows: Sequence[str]) -> Question:
        return Question(
            id=qid,
            number=number,
            label=f"{name}（※{name}に参加された方のみ御回答ください）",
            kind="matrix",
            section=2,
            rows=tuple(rows),
            training="t1" if qid == "Q1_1" else "t2",
            notes=(
                f"（選択肢共通：以下から選択し、{number.rstrip('.')}の回答欄に記入してください）",
                f"上の選択肢から番号を選択→ {SCALE_CONTENT_LABEL} {SCALE_TIME_LABEL}",
            ),
            heading="問1.　研修会議の内容について" if qid == "Q1_1" else "",
        )

    def comment(qid: str, number: str, name: str, n_rows: int, training: str) -> Question:
        return Question(
            id=qid,
            number=number,
            label=f"{name}への御意見・御感想がございましたら記入ください。（自由記載）",
            kind="text",
            section=2,
            training=training,
            notes=(
                f"（各内容に対する御意見・御感想の場合、上記１～{_fw(n_rows)}のいずれに対するものか"
                "明記いただけますと幸いです。）",
            ),
        )

    def single(labels: Sequence[str]) -> tuple[Option, ...]:
        return tuple(Option(i, label) for i, label in enumerate(labels, 1))

    questions = (
        Question(
            "F1",
            "F1.",
            "ご所属を教えてください。（１つだけ・番号選択）",
            "single",
            1,
            f1,
            required=True,
        ),
        Question(
            "F2", "F2.", "有している資格を教えてください。（複数可・〇をつける）", "multiple", 1, f2
        ),
        Question(
            "F3",
            "F3.",
            f"{t1_name}、{t2_name[-1:]}の参加状況を教えてください。（１つだけ・番号選択）",
            "single",
            1,
            f3,
            required=True,
        ),
        matrix("Q1_1", "問1-1.", t1_name, t1_rows),
        comment("Q1_1_1", "問1-1-1.", t1_name, len(t1_rows), "t1"),
        matrix("Q1_2", "問1-2.", t2_name, t2_rows),
        comment("Q1_2_1", "問1-2-1.", t2_name, len(t2_rows), "t2"),
        Question(
            "Q2",
            "問2.",
            "研修会議（Ⅰ・Ⅱ）の開催時期について、何月を希望しますか。",
            "months",
            3,
            rows=("実施を希望する月（月を記載してください）", "その理由（自由記載）"),
        ),
        Question(
            "Q3",
            "問3.",
            "どのような開催方法を希望しますか。（それぞれ１つだけ・番号選択）",
            "items",
            3,
            single(Q3_MODES),
            rows=(f"{t1_name}（講演・事例発表中心）", f"{t2_name}（グループワーク中心）"),
        ),
        Question(
            "Q4",
            "問4.",
            "研修会議の在り方について（１つだけ・番号選択）",
            "single",
            3,
            single(Q4_OPTIONS),
        ),
        Question(
            "Q5", "問5.", "対象者について（１つだけ・番号選択）", "single", 3, single(Q5_OPTIONS)
        ),
        Question(
            "Q6",
            "問6.",
            f"今後希望される{t1_name}はどのようなものですか。（自由記載）",
            "texts",
            3,
            rows=tuple(Q6_PARTS),
        ),
        Question(
            "Q7",
            "問7.",
            f"今後希望される{t2_name}はどのようなものですか。（自由記載）",
            "texts",
            3,
            rows=tuple(Q7_PARTS),
        ),
        Question(
            "Q8",
            "問8.",
            "その他、御意見・ご要望がございましたら記入ください。（自由記載）",
            "text",
            3,
        ),
    )
    return Definition(
        title=title,
        subtitle=SUBTITLE,
        sections=dict(SECTIONS),
        closing=CLOSING,
        questions=questions,
        training_names={"t1": t1_name, "t2": t2_name},
    )


def _has_venue(options: Sequence[Option], code: str, name: str, t2_name: str) -> bool:
    """An F3 option exists for the venue: by its code, or (a questionnaire made before
    options had codes) by its name in the label."""
    return any(
        o.venue == code or (not o.venue and f"{t2_name}（{name}）" in o.label) for o in options
    )


def with_venues_appended(
    definition: Definition, venues: Sequence[tuple[str, str]]
) -> tuple[Definition, list[str]]:
    """The questionnaire once it has answers, following venues added to the event
    (``venues``: (code, name) in event order): each venue without an F3 option gets its two
    options — 「Ⅱ（会場）のみ参加」 and 「ⅠとⅡ（会場）に参加」 — appended after the last one, so
    every code an answer holds keeps its meaning; nothing is reordered or removed. Returns the
    definition (``changes`` extended) and the names of the venues added."""
    f3 = definition.question("F3")
    t1_name = definition.training_names.get("t1", "研修会議Ⅰ")
    t2_name = definition.training_names.get("t2", "研修会議Ⅱ")
    options = list(f3.options)
    added = []
    for code, name in venues:
        if _has_venue(options, code, name, t2_name):
            continue
        n = len(options)
        options.append(Option(n + 1, f"{t2_name}（{name}）のみ参加", attends=("t2",), venue=code))
        options.append(
            Option(n + 2, f"{t1_name}と{t2_name}（{name}）に参加", attends=("t1", "t2"), venue=code)
        )
        added.append(name)
    if not added:
        return definition, []
    questions = tuple(
        replace(q, options=tuple(options)) if q.id == "F3" else q for q in definition.questions
    )
    notes = tuple(f"会場「{name}」をF3の選択肢の最後に追加しました。" for name in added)
    return replace(definition, questions=questions, changes=definition.changes + notes), added


def single_keys(definition: Definition) -> list[tuple[str, str, Question]]:
    """(answer key, label, question) of every single-choice item (F1, F3, 問3 items, 問4, 問5)."""
    out = []
    for q in definition.questions:
        if q.kind == "single":
            out.append((q.id, q.name, q))
        elif q.kind == "items":
            for i, row in enumerate(q.rows, 1):
                out.append((f"{q.id}_{i}", f"{q.name} {row}", q))
    return out


# --- validation -------------------------------------------------------------------------------

_LEADING_NUMBER = re.compile(r"^\s*(\d+)\s*[.．、:：)）]?\s*(.*)$", re.S)


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_choice(value, options: Sequence[Option] | int) -> int | None:
    """The option code of an input: ``"4"``, ``"４"``, ``"4 市町村"`` or the exact label ``"市町村"``.

    Blank gives None; anything else raises ValueError. A number whose label disagrees is refused.
    The web form's own values (``"4"``) are read without normalising any label (issue 12: the
    labels of every question, normalised for every answer, were a tenth of a submit's CPU).
    """
    count = options if isinstance(options, int) else len(options)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        if 1 <= int(value) <= count:
            return int(value)
        raise ValueError(value)
    text = _norm(value)
    if not text:
        return None
    labels = {} if isinstance(options, int) else {_norm(o.label): o.code for o in options}
    m = _LEADING_NUMBER.match(text)
    if m:
        code, rest = int(m.group(1)), m.group(2).strip()
        if 1 <= code <= count and (not rest or not labels or labels.get(rest) == code):
            return code
        raise ValueError(text)
    if text in labels:
        return labels[text]
    raise ValueError(text)


def parse_multi(value, options: Sequence[Option] | int) -> list[int]:
    """Several codes: a list, or a string like ``"1,4"``, ``"1 4"`` or (single digits) ``"14"``."""
    count = options if isinstance(options, int) else len(options)
    if isinstance(value, (list, tuple)):
        items = [v for v in value if _norm(v)]
    else:
        text = _norm(value)
        if not text:
            return []
        items = re.split(r"[\s,、，・/]+", text)
        if len(items) == 1 and items[0].isdigit() and count < 10 and len(items[0]) > 1:
            items = list(items[0])
    codes = sorted({parse_choice(v, options) for v in items} - {None})
    return codes


def _text(raw: Mapping, key: str, errors: dict, limit: int = TEXT_MAX) -> str:
    value = raw.get(key)
    text = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if len(text) > limit:
        errors[key] = f"{limit:,}文字以内で記入してください（{len(text):,}文字）。"
    elif CONTROL_IN_TEXT.search(text):
        errors[key] = "使用できない文字（制御文字）が含まれています。入力し直してください。"
    return text


def clean_answers(definition: Definition, raw: Mapping) -> dict:
    """Turn raw input into a stored answer, or raise AnswerError with a message per field.

    Rules (decisions.md: Questionnaire): F1 and F3 are required; every other item may be blank
    (無回答). 問1-1/問1-1-1 are kept only for those who attended 研修会議Ⅰ by F3, 問1-2/問1-2-1
    only for 研修会議Ⅱ. 問2 takes several months. Blank items are left out of the result.
    """
    errors: dict[str, str] = {}
    out: dict = {}

    def choice(key: str, options, label: str, required: bool = False) -> int | None:
        try:
            code = parse_choice(raw.get(key), options)
        except ValueError:
            errors[key] = f"{label}の選択肢にない値です。"
            return None
        if code is None and required:
            errors[key] = f"{label}を選択してください。"
        if code is not None:
            out[key] = code
        return code

    for q in definition.questions:
        name = q.name
        if q.kind == "single":
            code = choice(q.id, q.options, name, q.required)
            if code is not None and q.option(code).other:
                text = _text(raw, f"{q.id}_other", errors, OTHER_MAX)
                if text:
                    out[f"{q.id}_other"] = text
        elif q.kind == "multiple":
            try:
                codes = parse_multi(raw.get(q.id), q.options)
            except ValueError:
                errors[q.id] = f"{name}の選択肢にない値があります。"
                codes = []
            if codes:
                out[q.id] = codes
                if any(q.option(c).other for c in codes):
                    text = _text(raw, f"{q.id}_other", errors, OTHER_MAX)
                    if text:
                        out[f"{q.id}_other"] = text
        elif q.kind == "items":
            for i, row in enumerate(q.rows, 1):
                choice(f"{q.id}_{i}", q.options, f"{name}（{row}）")
        elif q.kind == "months":
            try:
                months = parse_multi(raw.get("Q2_months"), 12)
            except ValueError:
                errors["Q2_months"] = "月は1～12の数字で記入してください。"
                months = []
            if months:
                out["Q2_months"] = months
            text = _text(raw, "Q2_reason", errors)
            if text:
                out["Q2_reason"] = text
        elif q.kind == "texts":
            for i in range(1, len(q.rows) + 1):
                text = _text(raw, f"{q.id}_{i}", errors)
                if text:
                    out[f"{q.id}_{i}"] = text
    attends = definition.attends(out.get("F3"))
    for q in definition.questions:
        name = q.name
        applies = not q.training or q.training in attends
        if q.kind == "matrix" and applies:
            for i, kc, kt in definition.matrix_keys(q.id):
                choice(kc, SCALE_CONTENT_OPTIONS, f"{name}の{i}（{SCALE_CONTENT_LABEL}）")
                choice(kt, SCALE_TIME_OPTIONS, f"{name}の{i}（{SCALE_TIME_LABEL}）")
        elif q.kind == "text" and applies:
            text = _text(raw, q.id, errors)
            if text:
                out[q.id] = text
                if q.training:
                    matrix = definition.question("Q1_1" if q.id == "Q1_1_1" else "Q1_2")
                    try:
                        row = parse_choice(raw.get(f"{q.id}_row"), len(matrix.rows))
                    except ValueError:
                        errors[f"{q.id}_row"] = f"プログラムは1～{len(matrix.rows)}の番号です。"
                        row = None
                    if row is not None:
                        out[f"{q.id}_row"] = row
    if errors:
        raise AnswerError(errors)
    return out


SCALE_CONTENT_OPTIONS = tuple(Option(i, label) for i, label in enumerate(SCALE_CONTENT, 1))
SCALE_TIME_OPTIONS = tuple(Option(i, label) for i, label in enumerate(SCALE_TIME, 1))


@lru_cache(maxsize=64)
def _normal_labels(rows: tuple[str, ...]) -> tuple[str, ...]:
    """Row labels in NFKC, once per set of rows (a comment is checked against each)."""
    return tuple(unicodedata.normalize("NFKC", label) for label in rows)


def mentioned_row(text: str, rows: Sequence[str]) -> int | None:
    """The programme row a comment names (問1-1-1 / 問1-2-1 ask for it): a row label inside the
    text, else a leading number 1..len(rows) (「3. 」「（３）」「３：」)."""
    return _mentioned_row(text, tuple(rows))


@lru_cache(maxsize=4096)  # the same short comments (「特になし」) come back many times
def _mentioned_row(text: str, rows: tuple[str, ...]) -> int | None:
    norm = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    for i, label in enumerate(_normal_labels(rows), 1):
        if label in norm:
            return i
    m = re.match(r"^\s*[(（\[【]?\s*(\d{1,2})\s*[)）\]】.．:：、\s]", norm)
    if m and 1 <= int(m.group(1)) <= len(rows):
        return int(m.group(1))
    return None


def is_open(opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> bool:
    """Answers are taken from the opening to the closing instant (both event settings)."""
    return (opens_at is None or opens_at <= now) and (closes_at is None or now <= closes_at)
