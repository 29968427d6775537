"""Tabulation of the answers of an event (pure: pandas and numpy, no Flask, no SQLAlchemy).

Rules (seed-spec.md §6.5, decisions.md: Questionnaire):

- n is the number of answers; the response rate is shown against 研修会議Ⅰ registrants,
  研修会議Ⅱ participants and all distinct registrants.
- Single-choice items: counts and % of valid answers; 無回答 is a count, never in the base.
- F2 (multiple): counts and % of those who chose at least one (the total may exceed 100%).
- 問1-1 / 問1-2 are asked of those who attended the training by F3. Per row: valid n, 無回答, the
  five ⓵内容 levels in %, 肯定的評価 (参考になった＋やや参考になった), mean and SD (sample, n−1)
  with 参考になった = 5 … 参考にならなかった = 1. The ②時間 scale is bipolar (3 = 適切): shown
  as %長い側 / %適切 / %短い側, never averaged.
- Cross-tabs by F1 group, F3 and channel: row %, an n column and a 全体 row; rows with n < 5 are
  marked. Groups without answers are kept with n = 0.
- Percentages are kept unrounded here and shown to one decimal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.surveys.definition import (
    CHANNEL_SHORT,
    F1_GROUPS,
    SCALE_CONTENT,
    SCALE_TIME,
    Definition,
    mentioned_row,
    single_keys,
)

SMALL_N = 5
CAVEAT = (
    "※ 割合（%）は小数点以下第2位を四捨五入しているため、合計が100.0%にならない場合があります。"
    "複数回答の設問（F2）は回答者数を基数としているため、合計が100%を超えます。"
    "無回答は基数から除いています。n<5 の行（※）は参考値です。"
)
POSITIVE = "肯定的評価"
TIME_SIDES = ["長い側", "適切", "短い側"]


@dataclass
class Table:
    """A table ready to show: ``kinds`` per column: label | n | pct | mean | sd."""

    id: str
    title: str
    columns: list[str]
    kinds: list[str]
    rows: list[list] = field(default_factory=list)
    total_rows: set[int] = field(default_factory=set)
    small_rows: set[int] = field(default_factory=set)
    note: str = ""
    section: str = ""


@dataclass
class Chart:
    """Data of a chart: ``stacked`` (100% bars, one per label) or ``bars`` (one value each)."""

    id: str
    title: str
    kind: str
    labels: list[str]
    series: list[str]
    values: list[list[float]]  # per label, per series (%)


@dataclass
class TextAnswer:
    key: str
    question: str
    response_id: int
    channel: str
    text: str
    row: int | None = None
    row_label: str = ""


@dataclass
class Tabulation:
    n: int
    rates: list[tuple[str, int, int | None, float | None]]
    tables: list[Table]
    charts: list[Chart]
    texts: list[TextAnswer]
    caveat: str = CAVEAT

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)


def pct(part: float, whole: float) -> float | None:
    """part / whole in %, None when the base is empty."""
    return None if not whole else 100.0 * part / whole


def format_cell(value, kind: str) -> str:
    """How a cell is shown: counts with thousands separators, % and means to fixed decimals."""
    if kind == "label":
        return str(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "n":
        return f"{int(value):,}"
    if kind == "pct":
        return f"{value:.1f}"
    return f"{value:.2f}"


# --- the frame --------------------------------------------------------------------------------


def answers_frame(records: Iterable[Mapping]) -> pd.DataFrame:
    """Flat answers (as stored, plus ``_channel`` and ``_id``) → one row per answer.

    Each answer's dict is read once, into one list per key; a column whose values are all
    integers (or missing) becomes an int64 array with 0 for 無回答 (what ``_codes`` reads
    without converting); every other column (text, lists of choices) stays as objects. No
    pandas inference over a list of dicts (docs/performance.md, Reports and exports).
    """
    records = records if isinstance(records, list) else list(records)
    n = len(records)
    lists: dict[str, list] = {}
    for i, record in enumerate(records):  # row by row: each answer's dict is read once
        for key, value in record.items():
            column = lists.get(key)
            if column is None:
                column = lists[key] = [0] * n  # 0: not answered (no code, text or list is 0)
            column[i] = value
    columns: dict[str, object] = {}
    for key, values in lists.items():
        if set(map(type, values)) == {int}:
            columns[key] = np.array(values, dtype=np.int64)
        else:  # text, lists of choices, instants: a missing value is None
            columns[key] = pd.Series(
                [None if v is None or (type(v) is int and v == 0) else v for v in values],
                dtype=object,
            )
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    if "_channel" not in frame:
        frame["_channel"] = pd.Series([None] * n, dtype=object)
    if "_id" not in frame:
        frame["_id"] = np.arange(1, n + 1)
    return frame


# --- the answers stored as codes ----------------------------------------------------------------
#
# Besides its JSON, each response stores its choices as one ASCII string (``codes``, written by
# every path that stores an answer: services.submit_response, enter_paper_response,
# import_survey_sheets; migration 0014 for the answers before it) and everything else — the
# free text, 「その他」 text, the programme row of a comment — as a small dict (``texts``, None
# when there is none). The frame of 100,000 answers is then built from one joined byte string
# with numpy instead of reading 100,000 dicts (docs/performance.md, Reports and exports).

CODE_ZERO = 0x30  # "0": 無回答 (single choice), not chosen (one option of a multiple choice)
CODE_MAX = 0x7E - CODE_ZERO  # the highest code one printable ASCII character holds (78)


def code_layout(definition: Definition) -> list[tuple[str, int]]:
    """(answer key, width) of the codes string, in the questionnaire's order: width 0 is one
    character ``chr(0x30 + code)`` of a single choice (F1, F3, 問3 items, 問4, 問5 and both
    columns of every rated programme row; "0" = 無回答); width k > 0 is k characters "0"/"1",
    option by option, of a multiple choice (F2, 問2's months).

    The layout depends only on which items exist and on the options of the multiple choices:
    appending F3 options (``with_venues_appended``) keeps it, since a single choice is one
    character whatever its code. A layout that did change would give strings of another length,
    and those are read from the JSON instead (``frame_from_codes`` returns None)."""
    out: list[tuple[str, int]] = []
    for q in definition.questions:
        if q.kind == "single":
            out.append((q.id, 0))
        elif q.kind == "items":
            out.extend((f"{q.id}_{i}", 0) for i in range(1, len(q.rows) + 1))
        elif q.kind == "multiple":
            out.append((q.id, len(q.options)))
        elif q.kind == "months":
            out.append(("Q2_months", 12))
        elif q.kind == "matrix":
            for _i, kc, kt in definition.matrix_keys(q.id):
                out.extend(((kc, 0), (kt, 0)))
    return out


def encode_answers(definition: Definition, answers: Mapping) -> tuple[str | None, dict | None]:
    """(codes, the rest) of one stored answer (``clean_answers``' shape), see ``code_layout``.
    codes is None when a value cannot be written as a code (not an int in 1…78, a list with
    a repeated or unknown option): such an answer is tabulated from its JSON. The rest holds
    every key the codes do not (None when empty)."""
    chars: list[str] = []
    keys = set()
    for key, width in code_layout(definition):
        keys.add(key)
        value = answers.get(key)
        if width == 0:
            if value is None:
                chars.append("0")
            elif type(value) is int and 1 <= value <= CODE_MAX:
                chars.append(chr(CODE_ZERO + value))
            else:
                return None, None
        else:
            bits = ["0"] * width
            if value is not None:
                if not isinstance(value, list) or len(set(value)) != len(value):
                    return None, None
                for code in value:
                    if type(code) is not int or not 1 <= code <= width:
                        return None, None
                    bits[code - 1] = "1"
            chars.extend(bits)
    rest = {key: value for key, value in answers.items() if key not in keys}
    return "".join(chars), rest or None


def frame_from_codes(
    definition: Definition,
    ids: Sequence[int],
    channels: Sequence[str | None],
    codes: Sequence[str | None],
    rests: Sequence[Mapping | None],
) -> pd.DataFrame | None:
    """The frame of ``answers_frame`` from stored codes (one answer per position of the four
    sequences): the codes joined into one byte string, read by numpy as an n × width array;
    a multiple choice becomes an int64 bit set (bit c: option c chosen), which ``_choice_lists``
    reads; the rest (free text) fills object columns. None when an answer has no codes or codes
    of another layout (then the caller reads the JSON)."""
    layout = code_layout(definition)
    width = sum(w or 1 for _key, w in layout)
    n = len(codes)
    if any(c is None or len(c) != width for c in codes):
        return None
    joined = "".join(codes).encode("ascii")
    grid = np.frombuffer(joined, dtype=np.uint8).reshape(n, width)
    singles, positions, columns = [], [], {}
    pos = 0
    for key, w in layout:
        if w == 0:
            singles.append(key)
            positions.append(pos)
            pos += 1
        else:
            bits = grid[:, pos : pos + w] == CODE_ZERO + 1
            columns[key] = bits.astype(np.int64) @ (np.int64(1) << np.arange(1, w + 1))
            pos += w
    values = grid[:, positions].astype(np.int64) - CODE_ZERO
    frame = pd.DataFrame(values, columns=singles, index=pd.RangeIndex(n))
    for key, column in columns.items():
        frame[key] = column
    lists: dict[str, list] = {}
    for i, rest in enumerate(rests):
        if rest:
            for key, value in rest.items():
                column = lists.get(key)
                if column is None:
                    column = lists[key] = [None] * n
                column[i] = value
    extra = {key: pd.Series(column, dtype=object) for key, column in lists.items()}
    extra["_channel"] = pd.Series(list(channels), dtype=object)
    extra["_id"] = pd.Series(np.asarray(ids, dtype=np.int64))
    return pd.concat([frame, pd.DataFrame(extra, index=pd.RangeIndex(n))], axis=1)


def _codes(frame: pd.DataFrame, key: str) -> np.ndarray:
    """Integer codes of a single-choice column, 0 for 無回答."""
    if key not in frame:
        return np.zeros(len(frame), dtype=np.int64)
    column = frame[key]
    if column.dtype == np.int64:
        return column.to_numpy()
    return pd.to_numeric(column, errors="coerce").fillna(0).to_numpy(dtype=np.int64)


def _choice_lists(frame: pd.DataFrame, key: str) -> tuple[int, np.ndarray]:
    """(respondents who chose at least one, every chosen code) of a multiple-choice column."""
    if key not in frame:
        return 0, np.zeros(0, dtype=np.int64)
    if frame[key].dtype == np.int64:  # a bit set per answer (frame_from_codes)
        sets = frame[key].to_numpy()
        top = int(sets.max()).bit_length() if len(sets) else 0
        bits = (sets[:, None] >> np.arange(top, dtype=np.int64)) & 1
        _rows, chosen = np.nonzero(bits)
        return int((sets != 0).sum()), chosen.astype(np.int64)
    lists = [v for v in frame[key].tolist() if isinstance(v, list) and v]
    chosen = [c for v in lists for c in v]
    try:
        codes = np.array(chosen, dtype=np.int64)
    except (TypeError, ValueError):
        codes = pd.to_numeric(pd.Series(chosen, dtype=object), errors="coerce").dropna()
        codes = codes.to_numpy(dtype=np.int64)
    return len(lists), codes


def _attended(definition: Definition, f3: np.ndarray, training: str) -> np.ndarray:
    codes = [o.code for o in definition.question("F3").options if training in o.attends]
    return np.isin(f3, codes)


# --- tables -----------------------------------------------------------------------------------


def _single_table(key: str, title: str, labels: Sequence[str], codes: np.ndarray) -> Table:
    counts = np.bincount(codes, minlength=len(labels) + 1)
    valid = int(counts[1:].sum())
    table = Table(key, title, ["選択肢", "件数", "%"], ["label", "n", "pct"], section="単純集計")
    for i, label in enumerate(labels, 1):
        table.rows.append([f"{i}. {label}", int(counts[i]), pct(counts[i], valid)])
    table.rows.append(["合計（有効回答）", valid, 100.0 if valid else None])
    table.total_rows.add(len(table.rows) - 1)
    table.rows.append(["無回答", int(counts[0]), None])
    return table


def _f1_groups(definition: Definition, f1: np.ndarray) -> np.ndarray:
    """F1 code → group index + 1 (0: 無回答)."""
    lookup = np.zeros(len(definition.question("F1").options) + 1, dtype=np.int64)
    for o in definition.question("F1").options:
        lookup[o.code] = F1_GROUPS.index(o.group) + 1
    return lookup[f1]


def _multiple_table(frame: pd.DataFrame, definition: Definition) -> Table:
    q = definition.question("F2")
    base, chosen = _choice_lists(frame, "F2")
    chosen = chosen[(chosen >= 0) & (chosen <= len(q.options))]
    counts = np.bincount(chosen, minlength=len(q.options) + 1)
    table = Table(
        "F2",
        f"{q.number}　{q.label}",
        ["選択肢", "件数", "%（回答者比）"],
        ["label", "n", "pct"],
        note="複数回答。%は選択した回答者数を基数とするため、合計が100%を超えます。",
        section="単純集計",
    )
    for o in q.options:
        table.rows.append([f"{o.code}. {o.label}", int(counts[o.code]), pct(counts[o.code], base)])
    table.rows.append(["回答者数", base, 100.0 if base else None])
    table.total_rows.add(len(table.rows) - 1)
    table.rows.append(["無回答（選択なし）", len(frame) - base, None])
    return table


def _months_table(frame: pd.DataFrame) -> Table:
    base, chosen = _choice_lists(frame, "Q2_months")
    counts = np.bincount(chosen[(chosen >= 0) & (chosen <= 12)], minlength=13)
    table = Table(
        "Q2",
        "問2.　研修会議（Ⅰ・Ⅱ）の開催時期について、何月を希望しますか。",
        ["月", "件数", "%（回答者比）"],
        ["label", "n", "pct"],
        note="複数回答。",
        section="単純集計",
    )
    for m in range(1, 13):
        table.rows.append([f"{m}月", int(counts[m]), pct(counts[m], base)])
    table.rows.append(["回答者数", base, 100.0 if base else None])
    table.total_rows.add(len(table.rows) - 1)
    table.rows.append(["無回答", len(frame) - base, None])
    return table


def _rating_tables(
    frame: pd.DataFrame, definition: Definition, qid: str, f3: np.ndarray
) -> tuple[Table, Table, Chart, Chart]:
    q = definition.question(qid)
    base_mask = _attended(definition, f3, q.training)
    target = int(base_mask.sum())
    name = q.name
    content = Table(
        f"{qid}_content",
        f"{name}　{definition.training_names.get(q.training, '')}　⓵内容について",
        ["プログラム", "有効回答", "無回答", *SCALE_CONTENT, POSITIVE, "平均", "標準偏差"],
        ["label", "n", "n"] + ["pct"] * 6 + ["mean", "sd"],
        note=f"対象：{definition.training_names.get(q.training, '')}に参加した回答者 {target:,}件。"
        f"{POSITIVE}＝参考になった＋やや参考になった。平均は 参考になった＝5 … 参考にならなかった＝1。",
        section="問1　研修会議の内容",
    )
    time = Table(
        f"{qid}_time",
        f"{name}　{definition.training_names.get(q.training, '')}　②時間について",
        ["プログラム", "有効回答", "無回答", *SCALE_TIME, "%長い側", "%適切", "%短い側"],
        ["label", "n", "n"] + ["pct"] * 8,
        note="時間は「適切」が最良の両極尺度のため、平均せず 長い側（長い＋やや長い）・適切・"
        "短い側（やや短い＋短い）の割合で示します。",
        section="問1　研修会議の内容",
    )
    c_labels, c_values, t_labels, t_values = [], [], [], []
    for i, kc, kt in definition.matrix_keys(qid):
        row_label = q.rows[i - 1]
        c = _codes(frame, kc)[base_mask]
        counts = np.bincount(c, minlength=6)
        valid = int(counts[1:].sum())
        scores = 6 - c[c > 0]
        mean = float(scores.mean()) if valid else None
        sd = float(scores.std(ddof=1)) if valid > 1 else None
        shares = [pct(counts[k], valid) for k in range(1, 6)]
        content.rows.append(
            [
                f"{i}. {row_label}",
                valid,
                int(counts[0]),
                *shares,
                pct(counts[1] + counts[2], valid),
                mean,
                sd,
            ]
        )
        if valid < SMALL_N:
            content.small_rows.add(len(content.rows) - 1)
        c_labels.append(f"{row_label}（n={valid:,}）")
        c_values.append([s or 0.0 for s in shares])
        t = _codes(frame, kt)[base_mask]
        tc = np.bincount(t, minlength=6)
        tvalid = int(tc[1:].sum())
        tshares = [pct(tc[k], tvalid) for k in range(1, 6)]
        time.rows.append(
            [
                f"{i}. {row_label}",
                tvalid,
                int(tc[0]),
                *tshares,
                pct(tc[1] + tc[2], tvalid),
                pct(tc[3], tvalid),
                pct(tc[4] + tc[5], tvalid),
            ]
        )
        if tvalid < SMALL_N:
            time.small_rows.add(len(time.rows) - 1)
        t_labels.append(f"{row_label}（n={tvalid:,}）")
        t_values.append([s or 0.0 for s in tshares])
    return (
        content,
        time,
        Chart(f"{qid}_content", content.title, "stacked", c_labels, list(SCALE_CONTENT), c_values),
        Chart(f"{qid}_time", time.title, "stacked", t_labels, list(SCALE_TIME), t_values),
    )


def _crosstab(
    table_id: str,
    title: str,
    by_label: str,
    groups: Sequence[str],
    group_codes: np.ndarray,
    item_labels: Sequence[str],
    item_codes: np.ndarray,
) -> Table:
    """Row % of an item by group, with an n column and a 全体 row; 無回答 of the item excluded."""
    g, k = len(groups), len(item_labels)
    valid = (item_codes > 0) & (group_codes > 0)
    counts = np.bincount(
        (group_codes[valid] - 1) * k + (item_codes[valid] - 1), minlength=g * k
    ).reshape(g, k)
    table = Table(
        table_id,
        title,
        [by_label, "n", *item_labels],
        ["label", "n"] + ["pct"] * k,
        note="行%（無回答を除く）。※ n<5 は参考値。",
        section=f"クロス集計（{by_label}別）",
    )
    for gi, name in enumerate(groups):
        n = int(counts[gi].sum())
        table.rows.append([name, n, *(pct(x, n) for x in counts[gi])])
        if n < SMALL_N:
            table.small_rows.add(len(table.rows) - 1)
    total = counts.sum(axis=0)
    n = int(total.sum())
    table.rows.append(["全体", n, *(pct(x, n) for x in total)])
    table.total_rows.add(len(table.rows) - 1)
    if n < SMALL_N:
        table.small_rows.add(len(table.rows) - 1)
    return table


def _positive_crosstab(
    table_id: str,
    title: str,
    by_label: str,
    groups: Sequence[str],
    group_codes: np.ndarray,
    frame: pd.DataFrame,
    definition: Definition,
    qid: str,
    base_mask: np.ndarray,
) -> Table:
    """肯定的評価 (%) of each programme row by group; n is the group's respondents to 問1-x."""
    q = definition.question(qid)
    keys = definition.matrix_keys(qid)
    table = Table(
        table_id,
        title,
        [by_label, "n", *(f"{i}. {q.rows[i - 1]}" for i, _, _ in keys)],
        ["label", "n"] + ["pct"] * len(keys),
        note=f"各プログラムの{POSITIVE}（参考になった＋やや参考になった）の割合（無回答を除く）。"
        "n は該当研修会議に参加した回答者数。※ n<5 は参考値。",
        section=f"クロス集計（{by_label}別）",
    )
    size = len(groups) + 1  # group code 0: the grouping question unanswered (left out)

    def per_group(mask: np.ndarray) -> list[int]:
        counts = np.bincount(group_codes[mask], minlength=size)
        return [int(x) for x in counts[1:]] + [int(counts[1:].sum())]  # groups, then 全体

    people = per_group(base_mask)
    valid, positive = [], []
    for _, kc, _ in keys:
        c = _codes(frame, kc)
        valid.append(per_group(base_mask & (c > 0)))
        positive.append(per_group(base_mask & ((c == 1) | (c == 2))))
    for gi in range(size):
        last = gi == size - 1
        cells = [pct(positive[k][gi], valid[k][gi]) for k in range(len(keys))]
        table.rows.append(["全体" if last else groups[gi], people[gi], *cells])
        n = people[gi]
        if last:
            table.total_rows.add(len(table.rows) - 1)
        if n < SMALL_N:
            table.small_rows.add(len(table.rows) - 1)
    return table


def _texts(frame: pd.DataFrame, definition: Definition) -> list[TextAnswer]:
    out: list[TextAnswer] = []
    channels = frame["_channel"].tolist() if "_channel" in frame else [""] * len(frame)
    ids = frame["_id"].tolist() if "_id" in frame else list(range(1, len(frame) + 1))
    for key, label in definition.text_fields():
        if key not in frame:
            continue
        rows = None
        if key in ("Q1_1_1", "Q1_2_1"):
            rows = definition.question(key[:4]).rows
            given = frame[f"{key}_row"].tolist() if f"{key}_row" in frame else [None] * len(frame)
        column = frame[key]
        values = column.to_numpy()
        for idx in np.flatnonzero(column.notna().to_numpy()).tolist():  # the answers with text
            text = values[idx]
            if not isinstance(text, str) or not text:
                continue
            answer = TextAnswer(key, label, int(ids[idx]), str(channels[idx] or ""), text)
            if rows is not None:
                row = given[idx]
                row = int(row) if isinstance(row, (int, float)) and not math.isnan(row) else None
                row = row or mentioned_row(text, rows)
                if row:
                    answer.row, answer.row_label = row, rows[row - 1]
            out.append(answer)
    return out


@dataclass(frozen=True)
class RateBase:
    """A 回収率 base: ``people`` counted, what they are (as a person reads it), and the people
    left out because their participation is not decided yet (「選定中の3団体（15人）」, or "")."""

    people: int
    counts: str = ""
    undecided: str = ""


RATE_NOTE = (
    "回収率の基数：研修会議Ⅰは有効な申込者、研修会議Ⅱは参加団体の参加者、"
    "全体は申込者のメールアドレスの重複を除いた人数。"
)


def _base(value: RateBase | int | None, counts: str) -> RateBase | None:
    if value is None:
        return None
    if isinstance(value, RateBase):
        return value if value.counts else RateBase(value.people, counts, value.undecided)
    return RateBase(int(value), counts)


def rates_table(
    names: Mapping[str, str],
    n: int,
    t1: int,
    t2: int,
    denominators: Mapping[str, RateBase | int],
) -> Table:
    """回答数と回収率: answers over the bases of ``denominators`` (``t1``, ``t2``, ``all``; each a
    RateBase or a number of people).

    A rate is a number only with the note that says what it counts: a row whose rate exceeds
    100 % or whose base leaves out undecided people (研修会議Ⅱ teams 選定中) is marked ※1, ※2 …
    and the table's note gives, for each mark, the answers and the base in words and figures.
    """
    n1, n2 = names.get("t1", "研修会議Ⅰ"), names.get("t2", "研修会議Ⅱ")
    rows = [
        (f"{n1}申込者（回答全体）", n, "t1", "回答全体（研修会議Ⅱのみの参加者を含む）"),
        (f"{n1}申込者（F3で参加と回答）", t1, "t1", f"F3で{n1}に参加したと回答した人数"),
        (f"{n2}参加者（F3で参加と回答）", t2, "t2", f"F3で{n2}に参加したと回答した人数"),
        ("申込者全体（重複を除く）", n, "all", "回答全体"),
    ]
    attended_rows = [
        (
            f"{n1}当日参加者（ウェビナー）",
            t1,
            "t1_attended",
            f"F3で{n1}に参加したと回答した人数（YouTube視聴者を含む）",
        ),
        (f"{n2}当日参加者", t2, "t2_attended", f"F3で{n2}に参加したと回答した人数"),
    ]
    rows += [row for row in attended_rows if row[2] in denominators]
    counts = {
        "t1": f"{n1}の有効な申込者",
        "t2": f"{n2}の参加団体の参加者",
        "all": f"{n1}の申込者と{n2}の参加団体の参加者（メールアドレスの重複を除く）",
        "t1_attended": f"{n1}のウェビナー当日参加者",
        "t2_attended": f"{n2}の当日参加者",
    }
    table = Table(
        "rates",
        "回答数と回収率",
        ["基数", "回答数", "基数（人）", "回収率%"],
        ["label", "n", "n", "pct"],
        section="回答状況",
    )
    notes = [RATE_NOTE]
    for label, answers, key, what in rows:
        base = _base(denominators.get(key), counts[key])
        rate = pct(answers, base.people) if base else None
        over = rate is not None and rate > 100.0
        if base and (over or base.undecided):
            mark = f"※{len(notes)}"
            label = f"{label}{mark}"
            words = [f"{mark} "]
            if over:
                words.append(f"回収率が100%を超えています（{answers:,}件／{base.people:,}人）。")
            words.append(f"基数は{base.counts}{base.people:,}人")
            if base.undecided:
                words.append(f"で、{base.undecided}は参加が決まっていないため含めていません。")
            else:
                words.append("です。")
            words.append(f"回答数は{what}です。")
            if base.undecided and not over:
                words.append("回収率は参考値です。")
            notes.append("".join(words))
        table.rows.append([label, answers, base.people if base else None, rate])
    table.note = "\n".join(notes)
    return table


def tabulate(
    definition: Definition,
    frame: pd.DataFrame,
    denominators: Mapping[str, RateBase | int] | None = None,
) -> Tabulation:
    """Every table, chart and free-text list of the report (see the module docstring);
    ``denominators``: the 回収率 bases (see :func:`rates_table`)."""
    denominators = denominators or {}
    n = len(frame)
    f1 = _codes(frame, "F1")
    f3 = _codes(frame, "F3")
    names = definition.training_names
    t1 = int(_attended(definition, f3, "t1").sum())
    t2 = int(_attended(definition, f3, "t2").sum())
    rate_table = rates_table(names, n, t1, t2, denominators)
    rates = [(r[0], r[1], r[2], r[3]) for r in rate_table.rows]

    tables: list[Table] = []
    charts: list[Chart] = []
    ch_codes_list = list(CHANNEL_SHORT)
    channel_col = frame["_channel"] if "_channel" in frame else pd.Series([None] * n, dtype=object)
    ch_codes = (
        channel_col.map({c: i for i, c in enumerate(ch_codes_list, 1)})
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )
    ch_counts = np.bincount(ch_codes, minlength=len(ch_codes_list) + 1)
    channel_table = Table(
        "channels",
        "回答経路別の回答数",
        ["回答経路", "件数", "%"],
        ["label", "n", "pct"],
        section="回答状況",
    )
    for i, code in enumerate(ch_codes_list, 1):
        channel_table.rows.append([CHANNEL_SHORT[code], int(ch_counts[i]), pct(ch_counts[i], n)])
    channel_table.rows.append(["合計", n, 100.0 if n else None])
    channel_table.total_rows.add(len(channel_table.rows) - 1)
    tables += [rate_table, channel_table]

    singles = {}
    for key, label, q in single_keys(definition):
        title = (
            f"{label}　{q.label}" if q.kind == "single" else f"{q.number}　{label.split(' ', 1)[1]}"
        )
        codes = _codes(frame, key)
        singles[key] = (q, codes)
        tables.append(_single_table(key, title, [o.label for o in q.options], codes))
        if key in ("F1", "F3"):
            t = tables[-1]
            charts.append(
                Chart(
                    key,
                    title,
                    "bars",
                    [o.label for o in q.options],
                    ["%"],
                    [[r[2] or 0.0] for r in t.rows[: len(q.options)]],
                )
            )
    groups = _f1_groups(definition, f1)
    tables.insert(
        3,
        _single_table("F1_group", "F1　ご所属（区分）", F1_GROUPS, groups),
    )
    f2_table = _multiple_table(frame, definition)
    tables.insert(4, f2_table)
    q2 = definition.question("F2")
    charts.insert(
        1,
        Chart(
            "F2",
            f2_table.title,
            "bars",
            [o.label for o in q2.options],
            ["%"],
            [[r[2] or 0.0] for r in f2_table.rows[: len(q2.options)]],
        ),
    )
    for qid in ("Q1_1", "Q1_2"):
        content, time, cc, tc = _rating_tables(frame, definition, qid, f3)
        tables += [content, time]
        charts += [cc, tc]
    tables.append(_months_table(frame))

    f3q = definition.question("F3")
    breakdowns = [
        ("F1区分", list(F1_GROUPS), groups),
        ("F3", [o.label for o in f3q.options], f3),
        ("回答経路", [CHANNEL_SHORT[c] for c in ch_codes_list], ch_codes),
    ]
    for by_label, group_labels, group_codes in breakdowns:
        if by_label != "F3":
            tables.append(
                _crosstab(
                    f"x_{by_label}_F3",
                    f"F3 参加状況 × {by_label}",
                    by_label,
                    group_labels,
                    group_codes,
                    [o.label for o in f3q.options],
                    f3,
                )
            )
        if by_label != "F1区分":
            tables.append(
                _crosstab(
                    f"x_{by_label}_F1",
                    f"F1 ご所属（区分） × {by_label}",
                    by_label,
                    group_labels,
                    group_codes,
                    list(F1_GROUPS),
                    groups,
                )
            )
        for key in ("Q3_1", "Q3_2", "Q4", "Q5"):
            q, codes = singles[key]
            title = next(t.title for t in tables if t.id == key)
            tables.append(
                _crosstab(
                    f"x_{by_label}_{key}",
                    f"{title} × {by_label}",
                    by_label,
                    group_labels,
                    group_codes,
                    [o.label for o in q.options],
                    codes,
                )
            )
        for qid in ("Q1_1", "Q1_2"):
            q = definition.question(qid)
            tables.append(
                _positive_crosstab(
                    f"x_{by_label}_{qid}",
                    f"{q.name} {names.get(q.training, '')} {POSITIVE} × {by_label}",
                    by_label,
                    group_labels,
                    group_codes,
                    frame,
                    definition,
                    qid,
                    _attended(definition, f3, q.training),
                )
            )
    return Tabulation(n, rates, tables, charts, _texts(frame, definition))


RATED_QUESTIONS = ("Q1_1", "Q1_2")


def comparison_figures(definition: Definition, tab: Tabulation) -> dict:
    """An event's questionnaire figures for 「年度比較」 (issue 10 §6), read from its report.

    Returns {"responses": n, "rates": [{"label", "base", "rate"}] (the report's 回答数と回収率
    rows, ※ marks removed; ``rate`` in %, None without a base), "ratings": [{"question"
    (Q1_1 | Q1_2), "training" (its name), "title" (the programme row as asked), "n" (valid),
    "positive" (肯定的評価 %: the top two of ⓵内容), "mean" (5 … 1)}]}. The numbers are the
    report's own (same rows, same rule), so the two pages cannot disagree.
    """
    rates = [
        {"label": re.sub(r"※\d+$", "", label), "base": base, "rate": rate}
        for label, _answers, base, rate in tab.rates
    ]
    ratings = []
    for qid in RATED_QUESTIONS:
        q = definition.question(qid)
        table = tab.table(f"{qid}_content")
        positive, mean = table.columns.index(POSITIVE), table.columns.index("平均")
        for title, row in zip(q.rows, table.rows, strict=True):
            ratings.append(
                {
                    "question": qid,
                    "training": definition.training_names.get(q.training, ""),
                    "title": title,
                    "n": row[1],
                    "positive": row[positive],
                    "mean": row[mean],
                }
            )
    return {"responses": tab.n, "rates": rates, "ratings": ratings}
