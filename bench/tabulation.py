"""Bench: full tabulation and the Excel report of 1,000, 10,000 and 100,000 generated answers.

    .venv/bin/python bench/tabulation.py [--sizes 1000 10000 100000] [--excel-max 10000]

Goals (issue 4): the full tabulation of 100,000 answers under 1 s; the Excel report of 10,000
answers under 5 s. Pure modules only (no database): building the DataFrame from the stored
answer dicts is timed separately from the tabulation itself.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.events.demo import TRAINING1_PROGRAMME, TRAINING2_PROGRAMME
from app.surveys.definition import build_definition
from app.surveys.exports import report_xlsx
from app.surveys.tabulation import answers_frame, tabulate

CHANNELS = ["qr", "chat", "mail", "excel", "paper"]
TEXTS = ["大変参考になった。", "時間がもう少し欲しい。", "資料を事前に配布してほしい。", "特になし"]


def generate(n: int, seed: int = 2023) -> list[dict]:
    """n plausible answers: F3 decides 問1-1/問1-2; about 5 % 無回答 per rated item."""
    rnd = random.Random(seed)
    at = datetime(2023, 10, 20, tzinfo=UTC)
    out = []
    for i in range(1, n + 1):
        f3 = rnd.choice([1, 1, 1, 2, 3, 4, 5])
        a = {
            "_id": i,
            "_channel": rnd.choice(CHANNELS),
            "_at": at,
            "F1": rnd.randint(1, 23),
            "F3": f3,
        }
        if rnd.random() < 0.8:
            a["F2"] = sorted(rnd.sample(range(1, 10), rnd.randint(1, 3)))
        if f3 in (1, 4, 5):
            for r in range(1, 10):
                if rnd.random() > 0.05:
                    a[f"Q1_1_{r}_c"] = rnd.choice([1, 1, 2, 2, 2, 3, 4, 5])
                    a[f"Q1_1_{r}_t"] = rnd.choice([2, 3, 3, 3, 4])
            if rnd.random() < 0.2:
                a["Q1_1_1"] = f"{rnd.randint(1, 9)}．{rnd.choice(TEXTS)}"
        if f3 != 1:
            for r in range(1, 7):
                if rnd.random() > 0.05:
                    a[f"Q1_2_{r}_c"] = rnd.choice([1, 1, 2, 2, 3])
                    a[f"Q1_2_{r}_t"] = rnd.choice([2, 3, 3, 4, 5])
        a["Q2_months"] = sorted(rnd.sample(range(1, 13), rnd.randint(0, 2)))
        for key, k in (("Q3_1", 3), ("Q3_2", 3), ("Q4", 2), ("Q5", 2)):
            if rnd.random() > 0.05:
                a[key] = rnd.randint(1, k)
        if rnd.random() < 0.15:
            a["Q8"] = rnd.choice(TEXTS)
        out.append(a)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--excel-max", type=int, default=10000)
    args = parser.parse_args()
    definition = build_definition(
        [r[3] for r in TRAINING1_PROGRAMME if r[3]],
        [r[3] for r in TRAINING2_PROGRAMME if r[3]],
        ["東京会場", "大阪会場"],
    )
    denominators = {"t1": 1533, "t2": 103, "all": 1600}
    print(
        f"{'answers':>9} {'frame s':>8} {'tabulate s':>11} {'frame+tab s':>12} {'excel report s':>15}"
    )
    for n in args.sizes:
        records = generate(n)
        t0 = time.perf_counter()
        frame = answers_frame(records)
        t1 = time.perf_counter()
        tab = tabulate(definition, frame, denominators)
        t2 = time.perf_counter()
        excel = "-"
        if n <= args.excel_max:
            t3 = time.perf_counter()
            data = report_xlsx(tab, definition, records, "ベンチマーク")
            excel = f"{time.perf_counter() - t3:.2f} ({len(data) / 1e6:.1f} MB)"
        print(f"{n:>9,} {t1 - t0:>8.3f} {t2 - t1:>11.3f} {t2 - t0:>12.3f} {excel:>15}")
    print("goal: tabulate 100,000 < 1 s; Excel report of 10,000 < 5 s")


if __name__ == "__main__":
    main()
