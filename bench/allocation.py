"""Allocation benchmark: solve time, objective and 第１希望 share against the greedy baseline.

    .venv/bin/python bench/allocation.py [--seeds 3] [--time-limit 14] [--people 50 100 500 2000]

Venues of 50, 100, 500 and 2,000 participants are generated with a fixed seed: team sizes as in
FY2023 (1–6, mostly 2–3), 第１・第２希望 skewed towards 日常の療養支援 and 入退院支援, teams from
a handful of neighbouring prefectures (several per prefecture, so mixing matters), and a room of
ceil(people / 5) tables. Goal: 100 solved to proven optimality in under 2 s; 2,000 in under 15 s.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.groupwork.tables.allocation import Settings, TeamInput, evaluate, greedy, solve

SIZES = [1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 5, 6]
SCENE_WEIGHTS = [4, 3, 2, 2]


def venue(people: int, seed: int) -> list[TeamInput]:
    rng = random.Random(seed)
    prefectures = [f"{p:02d}" for p in rng.sample(range(1, 48), max(4, min(47, people // 12)))]
    teams, total = [], 0
    while total < people:
        size = min(rng.choice(SIZES), people - total)
        first = rng.choices([1, 2, 3, 4], SCENE_WEIGHTS)[0]
        second = rng.choice([s for s in (1, 2, 3, 4) if s != first])
        teams.append(TeamInput(len(teams) + 1, size, rng.choice(prefectures), first, second))
        total += size
    return teams


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=14.0)
    parser.add_argument("--people", type=int, nargs="*", default=[50, 100, 500, 2000])
    args = parser.parse_args()
    header = (
        f"{'people':>6} {'teams':>5} {'tables':>6} {'method':>9} {'status':>8} "
        f"{'time s':>7} {'objective':>10} {'bound':>8} {'greedy obj':>10} "
        f"{'1st %':>6} {'greedy 1st %':>12} {'violations':>10}"
    )
    print(header)
    for people in args.people:
        times = []
        for seed in range(args.seeds):
            teams = venue(people, seed)
            settings = Settings(table_count=math.ceil(people / 5), time_limit=args.time_limit)
            base = evaluate(teams, settings, greedy(teams, settings))
            result = solve(teams, settings)
            times.append(result.solve_seconds)
            errors = sum(1 for v in result.evaluation.violations if v.severity == "error")
            print(
                f"{people:>6} {len(teams):>5} {result.evaluation.stats['tables']:>6} "
                f"{result.method:>9} {result.status:>8} {result.solve_seconds:>7.2f} "
                f"{result.objective:>10} {result.bound:>8} {base.objective:>10} "
                f"{100 * result.evaluation.stats['first_share']:>6.1f} "
                f"{100 * base.stats['first_share']:>12.1f} {errors:>10}"
            )
        print(f"{'':>6} median {statistics.median(times):.2f} s, max {max(times):.2f} s")


if __name__ == "__main__":
    main()
