"""The demo's questionnaire answers (issue 10 §7, ``flask seed-demo --with-registrants``), so
that the charts, the report and 「年度比較」 are not empty.

Answers are drawn from the event's own questionnaire (every kind of item, with the odd blank)
and stored through the real services: ``submit_response`` over the channels (画面QR,
チャットURL, メール, Excel, 用紙) while the questionnaire is open, ``enter_paper_response`` for a
past year whose questionnaire has closed (paper forms typed in later). Deterministic for a seed.
"""

from __future__ import annotations

import random

from app.events.models import Event
from app.surveys import services
from app.surveys.definition import Definition

# Channel mix of the web answers (most came through the screen's QR code and the chat URL).
CHANNEL_WEIGHTS = {"qr": 40, "chat": 25, "mail": 20, "excel": 5, "paper": 10}
CONTENT_WEIGHTS = [34, 40, 17, 6, 3]  # 参考になった … 参考にならなかった
TIME_WEIGHTS = [6, 14, 62, 13, 5]  # 長い … 短い
COMMENTS = [
    "大変参考になった。",
    "具体的な事例が聞けてよかった。",
    "時間がもう少し欲しい。",
    "資料を事前に配布してほしい。",
    "他の自治体の取組を知ることができた。",
]


def _weight(qid: str, option) -> int:
    """F3: most respondents attended 研修会議Ⅰ only (about 1,500 registrants against about 100
    at the 研修会議Ⅱ venues), so 研修会議Ⅱ's 回収率 stays plausible; other items uniform."""
    if qid != "F3":
        return 1
    if "t2" in option.attends:
        return 1
    return 20 if option.attends else 1


def demo_answer(definition: Definition, rng: random.Random, tones: dict[str, int]) -> dict:
    """One answer as the web form posts it: F1 and F3 always, other items mostly; ``tones``
    shifts a programme row's ratings (row key → 0 good … 2 weaker) so rows differ."""
    raw: dict = {}
    for q in definition.questions:
        if q.kind == "single" and (q.required or rng.random() > 0.05):
            option = rng.choices(q.options, weights=[_weight(q.id, o) for o in q.options])[0]
            raw[q.id] = str(option.code)
            if option.other:
                raw[f"{q.id}_other"] = "その他（デモ）"
        elif q.kind == "multiple" and rng.random() > 0.2:
            picked = rng.sample(q.options, min(len(q.options), rng.randint(1, 3)))
            raw[q.id] = [str(o.code) for o in picked]
            if any(o.other for o in picked):
                raw[f"{q.id}_other"] = "その他（デモ）"
        elif q.kind == "items":
            for i in range(1, len(q.rows) + 1):
                if rng.random() > 0.1:
                    raw[f"{q.id}_{i}"] = str(rng.choice(q.options).code)
        elif q.kind == "months":
            raw["Q2_months"] = [str(m) for m in sorted(rng.sample(range(1, 13), rng.randint(0, 2)))]
        elif q.kind == "matrix":
            for _row, kc, kt in definition.matrix_keys(q.id):
                if rng.random() > 0.05:
                    weights = CONTENT_WEIGHTS[tones.get(kc, 0) :] + [1] * tones.get(kc, 0)
                    raw[kc] = str(rng.choices(range(1, 6), weights=weights)[0])
                    raw[kt] = str(rng.choices(range(1, 6), weights=TIME_WEIGHTS)[0])
        elif q.kind == "text" and rng.random() < 0.15:
            raw[q.id] = rng.choice(COMMENTS)
    return raw


def seed_answers(event: Event, count: int, seed: int = 2023) -> dict[str, int]:
    """Store ``count`` answers; returns the count per channel code."""
    rng = random.Random(seed)
    definition = services.ensure_survey(event).definition
    tones = {
        kc: rng.choice([0, 0, 1, 2])
        for qid in ("Q1_1", "Q1_2")
        for _, kc, _ in definition.matrix_keys(qid)
    }
    channels = list(CHANNEL_WEIGHTS)
    weights = list(CHANNEL_WEIGHTS.values())
    web = services.survey_is_open(event)
    paper_no = services.next_paper_no(event)
    counts: dict[str, int] = {}
    for _ in range(count):
        raw = demo_answer(definition, rng, tones)
        if web:
            channel = rng.choices(channels, weights=weights)[0]
            services.submit_response(event, channel, raw)
        else:
            channel = "paper"
            services.enter_paper_response(event, paper_no, raw)
            paper_no += 1
        counts[channel] = counts.get(channel, 0) + 1
    return counts
