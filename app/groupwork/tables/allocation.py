"""Table allocation for 研修会議Ⅱ (pure: no Flask, no database).

Rules (decisions.md, Groups and seat plans):

* a team is never split;
* a team of ``large_threshold`` people or more gets a table of its own on its 第１希望;
* smaller teams are pooled by 場面, each table discusses one 場面;
* people on their 第１希望 before 第２希望 before any other 場面;
* at pooled tables teams from different prefectures are preferred, and sizes are balanced;
* table size bounds and the number of tables in the room are soft, with a heavy penalty, so an
  allocation always comes back, with every violation reported.

``evaluate`` is the single definition of the objective; the CP-SAT model minimises exactly that
number (tests check both against brute force). ``solve`` answers for one venue.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from app.groupwork.scenes import SCENE_LABELS

SCENE_NUMBERS = (1, 2, 3, 4)

# Objective weights (docs/allocation.md): a size or room violation outweighs any preference,
# a person off the 第１希望 outweighs prefecture mixing, which outweighs balance.
W_ROOM = 100_000  # per table beyond the room's table count
W_SIZE = 10_000  # per person above table_max or below table_min at a table
W_LARGE = 10_000  # per person of a 多人数 team not alone or not on its 第１希望
W_SECOND = 100  # per person on the 第２希望
W_OTHER = 300  # per person on another 場面
W_PREFECTURE = 20  # per extra team of the same prefecture at a table
W_SPREAD = 10  # per person between the largest and the smallest pooled table

TWO_STAGE_ABOVE = 150  # pooled people above which the model is solved in two stages


class AllocationError(Exception):
    """Input the allocation cannot work with (e.g. a team listed twice)."""


@dataclass(frozen=True)
class TeamInput:
    """A team taking part: ``first``/``second`` are 場面 numbers 1–4 or None (資料２ missing)."""

    id: int
    size: int
    prefecture: str
    first: int | None = None
    second: int | None = None
    name: str = ""


# Labels of what the allocation page and the audit log show (the values are CP-SAT's and ours).
SOLVER_STATUS_LABELS = {
    "OPTIMAL": "最適解",
    "FEASIBLE": "実行可能解",
    "GREEDY": "初期解（時間内に改善できず）",
    "INFEASIBLE": "条件を満たす解なし",
    "UNKNOWN": "時間内に解が見つからず",
    "MODEL_INVALID": "モデルの誤り",
}
METHOD_LABELS = {
    "fixed": "割り当てる団体なし",
    "cp-sat": "CP-SAT（一括）",
    "two-stage": "CP-SAT（二段階）",
}
SETTING_LABELS = {
    "large_threshold": "多人数の団体（人以上）",
    "table_min": "卓の最少人数",
    "table_max": "卓の最多人数",
    "table_count": "卓数の上限",
    "time_limit": "計算時間の上限（秒）",
    "seed": "乱数の種",
    "workers": "並列数",
    "two_stage_above": "二段階で解く人数（人超）",
}


@dataclass(frozen=True)
class Settings:
    """A venue's settings plus the solver's limits (labels: SETTING_LABELS)."""

    large_threshold: int = 4
    table_min: int = 4
    table_max: int = 7
    table_count: int = 12
    time_limit: float = 10.0
    seed: int = 20231019
    workers: int = 2
    two_stage_above: int = TWO_STAGE_ABOVE

    def as_dict(self) -> dict:
        return {
            "large_threshold": self.large_threshold,
            "table_min": self.table_min,
            "table_max": self.table_max,
            "table_count": self.table_count,
            "time_limit": self.time_limit,
            "seed": self.seed,
            "workers": self.workers,
            "two_stage_above": self.two_stage_above,
        }


@dataclass
class TablePlan:
    """One table: its 場面 and its teams in seating order."""

    scene: int
    team_ids: list[int]


@dataclass(frozen=True)
class Violation:
    """A broken rule. ``severity`` is "error" (bounds, 多人数, room) or "warning"."""

    code: str
    message: str
    table: int | None = None
    team_id: int | None = None
    severity: str = "error"


@dataclass
class Evaluation:
    """The objective of an allocation, its parts, its violations and its summary figures."""

    objective: int
    parts: dict[str, int]
    violations: list[Violation]
    stats: dict


@dataclass
class Allocation:
    """The answer for a venue: tables (numbered 1.. in list order) and how it was found."""

    tables: list[TablePlan]
    objective: int
    bound: int
    optimal: bool
    status: str
    method: str
    solve_seconds: float
    evaluation: Evaluation
    reasons: dict[int, str] = field(default_factory=dict)

    def table_of(self) -> dict[int, int]:
        """team id → table number (1-based)."""
        return {tid: n for n, t in enumerate(self.tables, 1) for tid in t.team_ids}


# --- the objective --------------------------------------------------------------------------


def scene_cost(team: TeamInput, scene: int) -> int:
    """Preference cost of seating ``team`` on ``scene``: 0 on the 第１希望 (or without 資料２)."""
    if team.first is None or scene == team.first:
        return 0
    if scene == team.second:
        return W_SECOND * team.size
    return W_OTHER * team.size


def preference_rank(team: TeamInput, scene: int) -> str:
    """ "first", "second", "other" or "none" (no 資料２)."""
    if team.first is None:
        return "none"
    if scene == team.first:
        return "first"
    if scene == team.second:
        return "second"
    return "other"


def is_large(team: TeamInput, settings: Settings) -> bool:
    """多人数: at or above the venue's threshold."""
    return team.size >= settings.large_threshold


def evaluate(teams: list[TeamInput], settings: Settings, tables: list[TablePlan]) -> Evaluation:
    """Score an allocation with the rules; the solver minimises exactly ``objective``.

    Every team must be on exactly one table (AllocationError otherwise): a team is never split.
    """
    by_id = {t.id: t for t in teams}
    seen: Counter[int] = Counter(tid for t in tables for tid in t.team_ids)
    if set(seen) != set(by_id) or any(c > 1 for c in seen.values()):
        raise AllocationError("every team must be on exactly one table")
    parts = dict.fromkeys(("room", "size", "large", "preference", "prefecture", "spread"), 0)
    violations: list[Violation] = []
    used = [(n, t) for n, t in enumerate(tables, 1) if t.team_ids]
    if len(used) > settings.table_count:
        extra = len(used) - settings.table_count
        parts["room"] = W_ROOM * extra
        violations.append(
            Violation(
                "room",
                f"卓数が会場の卓数（{settings.table_count}卓）を{extra}卓超えています。",
            )
        )
    pooled_sizes = []
    same_pref_pairs = 0
    ranks: Counter[str] = Counter()
    for n, table in used:
        members = [by_id[tid] for tid in table.team_ids]
        size = sum(t.size for t in members)
        if size > settings.table_max:
            parts["size"] += W_SIZE * (size - settings.table_max)
            violations.append(
                Violation(
                    "size_max",
                    f"{n}卓は{size}名で、上限（{settings.table_max}名）を超えています。",
                    table=n,
                )
            )
        if size < settings.table_min:
            parts["size"] += W_SIZE * (settings.table_min - size)
            violations.append(
                Violation(
                    "size_min",
                    f"{n}卓は{size}名で、下限（{settings.table_min}名）に満たません。",
                    table=n,
                )
            )
        large = [t for t in members if is_large(t, settings)]
        for team in large:
            if len(members) > 1:
                parts["large"] += W_LARGE * team.size
                violations.append(
                    Violation(
                        "large_shared",
                        f"多人数の自治体（{team.name or team.id}）が他の自治体と同じ{n}卓にいます。",
                        table=n,
                        team_id=team.id,
                    )
                )
            if team.first is not None and table.scene != team.first:
                parts["large"] += W_LARGE * team.size
                violations.append(
                    Violation(
                        "large_scene",
                        f"多人数の自治体（{team.name or team.id}）の{n}卓が第１希望の場面ではありません。",
                        table=n,
                        team_id=team.id,
                    )
                )
        for team in members:
            parts["preference"] += scene_cost(team, table.scene)
            ranks[preference_rank(team, table.scene)] += team.size
        prefs = Counter(t.prefecture for t in members)
        for _pref, count in prefs.items():
            if count > 1:
                parts["prefecture"] += W_PREFECTURE * (count - 1)
                same_pref_pairs += count * (count - 1) // 2
                violations.append(
                    Violation(
                        "same_prefecture",
                        f"{n}卓に同じ都道府県の自治体が{count}つあります。",
                        table=n,
                        severity="warning",
                    )
                )
        if not large:
            pooled_sizes.append(size)
    if len(pooled_sizes) > 1:
        parts["spread"] = W_SPREAD * (max(pooled_sizes) - min(pooled_sizes))
    people = sum(t.size for t in teams)
    stats = {
        "people": people,
        "teams": len(teams),
        "tables": len(used),
        "first": ranks["first"],
        "second": ranks["second"],
        "other": ranks["other"],
        "none": ranks["none"],
        "first_share": (ranks["first"] + ranks["none"]) / people if people else 1.0,
        "sizes": [sum(by_id[tid].size for tid in t.team_ids) for _, t in used],
        "same_prefecture_pairs": same_pref_pairs,
    }
    return Evaluation(sum(parts.values()), parts, violations, stats)


# --- greedy baseline and hint ----------------------------------------------------------------


def _large_tables(teams: list[TeamInput], settings: Settings) -> list[TablePlan]:
    """Each 多人数 team alone on its 第１希望 (場面１ when it sent no 資料２)."""
    large = sorted(
        (t for t in teams if is_large(t, settings)), key=lambda t: (t.first or 1, -t.size, t.id)
    )
    return [TablePlan(t.first or 1, [t.id]) for t in large]


def greedy(teams: list[TeamInput], settings: Settings) -> list[TablePlan]:
    """Baseline: 多人数 teams alone; the others by 第１希望, first-fit decreasing per 場面.

    Each 場面 gets ceil(people / table_max) tables; a team goes to the emptiest table without a
    team of its prefecture when there is one.
    """
    tables = _large_tables(teams, settings)
    small = [t for t in teams if not is_large(t, settings)]
    by_scene: dict[int, list[TeamInput]] = defaultdict(list)
    loads = Counter()
    for team in sorted(small, key=lambda t: (t.first is None, -t.size, t.id)):
        scene = team.first or min(SCENE_NUMBERS, key=lambda s: (loads[s], s))
        by_scene[scene].append(team)
        loads[scene] += team.size
    for scene in SCENE_NUMBERS:
        group = by_scene.get(scene)
        if not group:
            continue
        count = max(1, math.ceil(sum(t.size for t in group) / settings.table_max))
        bins: list[list[TeamInput]] = [[] for _ in range(count)]
        for team in sorted(group, key=lambda t: (-t.size, t.id)):

            def key(b, team=team):
                return (any(t.prefecture == team.prefecture for t in b), sum(t.size for t in b))

            min(bins, key=key).append(team)
        tables.extend(TablePlan(scene, [t.id for t in b]) for b in bins if b)
    return tables


# --- the exact model -------------------------------------------------------------------------


def _cp_model():
    from ortools.sat.python import cp_model  # imported here: pure callers need not load it

    return cp_model


def _solver(settings: Settings, time_limit: float):
    cp_model = _cp_model()
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = settings.workers
    p.interleave_search = True
    p.random_seed = settings.seed
    p.max_time_in_seconds = max(0.05, time_limit)
    return solver


def _pooled_model(
    small: list[TeamInput],
    settings: Settings,
    slots: int,
    free_slots: int,
    scenes_of: dict[int, tuple[int, ...]] | None,
    hint: list[TablePlan] | None,
    all_used: bool = False,
):
    """CP-SAT model of the pooled tables: x[i,k] team i at slot k, y[k,s] slot k on 場面 s.

    Slots at index ``free_slots`` and beyond cost W_ROOM each when used (the room is full).
    ``scenes_of`` restricts a team's 場面 and ``all_used`` opens every slot (stage 2 of the
    two-stage model, where the balance then has an obvious bound the solver is told about).
    """
    cp_model = _cp_model()
    m = cp_model.CpModel()
    n, K = len(small), slots
    total = sum(t.size for t in small)
    x = {(i, k): m.NewBoolVar(f"x{i}_{k}") for i in range(n) for k in range(K)}
    y = {(k, s): m.NewBoolVar(f"y{k}_{s}") for k in range(K) for s in SCENE_NUMBERS}
    used = [m.NewBoolVar(f"u{k}") for k in range(K)]
    w = {(i, s): m.NewBoolVar(f"w{i}_{s}") for i in range(n) for s in SCENE_NUMBERS}
    size = [m.NewIntVar(0, total, f"size{k}") for k in range(K)]
    terms = []
    for i, team in enumerate(small):
        m.AddExactlyOne(x[i, k] for k in range(K))
        m.AddExactlyOne(w[i, s] for s in SCENE_NUMBERS)
        allowed = scenes_of.get(team.id) if scenes_of else None
        for s in SCENE_NUMBERS:
            if allowed is not None and s not in allowed:
                m.Add(w[i, s] == 0)
            cost = scene_cost(team, s)
            if cost:
                terms.append(cost * w[i, s])
            for k in range(K):
                m.AddBoolOr([x[i, k].Not(), y[k, s].Not(), w[i, s]])
    for k in range(K):
        m.Add(sum(y[k, s] for s in SCENE_NUMBERS) == used[k])
        m.Add(size[k] == sum(t.size * x[i, k] for i, t in enumerate(small)))
        for i in range(n):
            m.AddImplication(x[i, k], used[k])
        m.Add(size[k] >= 1).OnlyEnforceIf(used[k])
        over = m.NewIntVar(0, total, f"over{k}")
        under = m.NewIntVar(0, settings.table_min, f"under{k}")
        m.Add(over >= size[k] - settings.table_max)
        m.Add(under >= settings.table_min * used[k] - size[k])
        terms.append(W_SIZE * over + W_SIZE * under)
        if k >= free_slots:
            terms.append(W_ROOM * used[k])
    # Same prefecture: every team beyond the first of a prefecture at a table costs.
    by_pref: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(small):
        by_pref[t.prefecture].append(i)
    for pref, idx in by_pref.items():
        if len(idx) < 2:
            continue
        for k in range(K):
            excess = m.NewIntVar(0, len(idx) - 1, f"pref{pref}_{k}")
            m.Add(excess >= sum(x[i, k] for i in idx) - 1)
            terms.append(W_PREFECTURE * excess)
    # Balance: spread between the largest and the smallest used table.
    if K > 1:
        hi = m.NewIntVar(0, total, "hi")
        lo = m.NewIntVar(0, total, "lo")
        for k in range(K):
            m.Add(hi >= size[k])
            m.Add(lo <= size[k]).OnlyEnforceIf(used[k])
        m.Add(lo <= hi)
        if all_used:
            m.Add(hi >= -(-total // K))
            m.Add(lo <= total // K)
        terms.append(W_SPREAD * (hi - lo))
    if all_used:
        for k in range(K):
            m.Add(used[k] == 1)
    # Symmetry: used slots first, ordered by 場面 then by size (largest first).
    scene_of = [sum(s * y[k, s] for s in SCENE_NUMBERS) for k in range(K)]
    for k in range(K - 1):
        m.AddImplication(used[k + 1], used[k])
        m.Add(
            scene_of[k] * (total + 1) - size[k] <= scene_of[k + 1] * (total + 1) - size[k + 1]
        ).OnlyEnforceIf(used[k + 1])
    m.Minimize(sum(terms))
    if hint:
        index = {t.id: i for i, t in enumerate(small)}
        ordered = sorted(
            hint, key=lambda p: (p.scene, -sum(small[index[tid]].size for tid in p.team_ids))
        )
        for k in range(K):
            plan = ordered[k] if k < len(ordered) else None
            m.AddHint(used[k], plan is not None)
            for s in SCENE_NUMBERS:
                m.AddHint(y[k, s], plan is not None and plan.scene == s)
            for i, t in enumerate(small):
                m.AddHint(x[i, k], plan is not None and t.id in plan.team_ids)
    return m, x, y, used


def _read_tables(solver, small, K, x, y, used) -> list[TablePlan]:
    plans = []
    for k in range(K):
        if not solver.Value(used[k]):
            continue
        scene = next(s for s in SCENE_NUMBERS if solver.Value(y[k, s]))
        ids = [t.id for i, t in enumerate(small) if solver.Value(x[i, k])]
        plans.append(TablePlan(scene, ids))
    return plans


def _slots(small: list[TeamInput], settings: Settings, large_count: int) -> tuple[int, int]:
    """(slots in the model, slots free in the room) for the pooled tables."""
    people = sum(t.size for t in small)
    free = max(0, settings.table_count - large_count)
    needed = math.ceil(people / max(1, settings.table_max)) if people else 0
    return min(len(small), max(free, needed)), free


def solve(teams: list[TeamInput], settings: Settings | None = None) -> Allocation:
    """Allocate a venue's teams to tables, exactly with CP-SAT (two stages for big venues).

    Always answers: bounds are soft, violations are listed in ``evaluation.violations``.
    """
    settings = settings or Settings()
    if len({t.id for t in teams}) != len(teams):
        raise AllocationError("a team is listed twice")
    for t in teams:
        if t.size < 1:
            raise AllocationError(f"team {t.id} has no member")
    started = time.perf_counter()
    large_tables = _large_tables(teams, settings)
    small = [t for t in teams if not is_large(t, settings)]
    slots, free = _slots(small, settings, len(large_tables))
    people = sum(t.size for t in small)
    hint = [p for p in greedy(teams, settings) if p.team_ids[0] in {t.id for t in small}]
    if not small:
        pooled, bound_pooled, status, method = [], 0, "OPTIMAL", "fixed"
    elif people > settings.two_stage_above:
        pooled, bound_pooled, status = _two_stage(small, settings, slots, free, hint)
        method = "two-stage"
    else:
        cp_model = _cp_model()
        m, x, y, used = _pooled_model(small, settings, slots, free, None, hint)
        solver = _solver(settings, settings.time_limit)
        code = solver.Solve(m)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            pooled, bound_pooled, status = hint, 0, "GREEDY"
        else:
            pooled = _read_tables(solver, small, slots, x, y, used)
            bound_pooled = math.ceil(solver.BestObjectiveBound() - 1e-6)
            status = solver.StatusName(code)
            if status != "OPTIMAL" and evaluate_pooled_part(
                small, settings, hint, free
            ) < evaluate_pooled_part(small, settings, pooled, free):
                pooled = hint
        method = "cp-sat"
    tables = large_tables + sorted(pooled, key=lambda p: p.scene)
    evaluation = evaluate(teams, settings, tables)
    fixed = evaluation.objective - evaluate_pooled_part(small, settings, pooled, free)
    allocation = Allocation(
        tables=tables,
        objective=evaluation.objective,
        bound=bound_pooled + fixed,
        optimal=status == "OPTIMAL",
        status=status,
        method=method,
        solve_seconds=time.perf_counter() - started,
        evaluation=evaluation,
    )
    allocation.reasons = explain(teams, settings, tables)
    return allocation


def evaluate_pooled_part(
    small: list[TeamInput], settings: Settings, pooled: list[TablePlan], free: int
) -> int:
    """The objective of the pooled tables alone, as the model counts it (room: beyond ``free``)."""
    if not small:
        return 0
    sub = Settings(
        large_threshold=10**6,
        table_min=settings.table_min,
        table_max=settings.table_max,
        table_count=free,
    )
    return evaluate(small, sub, pooled).objective


def _two_stage(small, settings, slots, free, hint):
    """Big venues: stage 1 chooses each team's 場面 and the tables per 場面 on aggregates;
    stage 2 seats each 場面's teams on its tables (prefectures, balance). Not proven optimal.
    """
    cp_model = _cp_model()
    m = cp_model.CpModel()
    n = len(small)
    w = {(i, s): m.NewBoolVar(f"w{i}_{s}") for i in range(n) for s in SCENE_NUMBERS}
    tables = {s: m.NewIntVar(0, slots, f"n{s}") for s in SCENE_NUMBERS}
    terms = []
    for i, team in enumerate(small):
        m.AddExactlyOne(w[i, s] for s in SCENE_NUMBERS)
        terms += [scene_cost(team, s) * w[i, s] for s in SCENE_NUMBERS if scene_cost(team, s)]
    total = sum(t.size for t in small)
    for s in SCENE_NUMBERS:
        people = sum(t.size * w[i, s] for i, t in enumerate(small))
        slack_hi = m.NewIntVar(0, total, f"hi{s}")
        slack_lo = m.NewIntVar(0, total, f"lo{s}")
        m.Add(people <= settings.table_max * tables[s] + slack_hi)
        m.Add(people >= settings.table_min * tables[s] - slack_lo)
        m.Add(tables[s] <= people)
        terms.append(W_SIZE * (slack_hi + slack_lo))
    extra = m.NewIntVar(0, slots, "extra")
    m.Add(sum(tables.values()) <= free + extra)
    m.Add(sum(tables.values()) <= slots)
    terms.append(W_ROOM * extra)
    m.Minimize(sum(terms))
    hint_scene = {tid: p.scene for p in hint for tid in p.team_ids}
    for i, t in enumerate(small):
        for s in SCENE_NUMBERS:
            m.AddHint(w[i, s], hint_scene.get(t.id) == s)
    solver = _solver(settings, settings.time_limit * 0.35)
    code = solver.Solve(m)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, 0, "GREEDY"
    bound = math.ceil(solver.BestObjectiveBound() - 1e-6)
    scene_of = {
        t.id: s for i, t in enumerate(small) for s in SCENE_NUMBERS if solver.Value(w[i, s])
    }
    plans: list[TablePlan] = []
    scenes_used = [s for s in SCENE_NUMBERS if any(v == s for v in scene_of.values())]
    deadline = time.perf_counter() + settings.time_limit * 0.5
    for done, s in enumerate(scenes_used):
        group = [t for t in small if scene_of[t.id] == s]
        count = min(len(group), max(1, solver.Value(tables[s])))
        budget = (deadline - time.perf_counter()) / (len(scenes_used) - done)
        plans += _pack_scene(group, s, count, settings, budget)
    return plans, bound, "FEASIBLE"


def _pack_scene(group, scene, count, settings, time_limit) -> list[TablePlan]:
    """Seat one 場面's teams on ``count`` tables: prefectures mixed, sizes balanced (CP-SAT)."""
    cp_model = _cp_model()
    sub = Settings(
        large_threshold=10**6,
        table_min=settings.table_min,
        table_max=settings.table_max,
        table_count=count,
        seed=settings.seed,
        workers=settings.workers,
    )
    hint = _greedy_bins(group, scene, count)
    only = {t.id: (scene,) for t in group}
    m, x, y, used = _pooled_model(group, sub, count, count, only, hint, all_used=True)
    solver = _solver(sub, time_limit)
    code = solver.Solve(m)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint
    found = _read_tables(solver, group, count, x, y, used)
    # Out of time, CP-SAT may hold a first solution worse than the greedy start: keep the better.
    if evaluate(group, sub, hint).objective < evaluate(group, sub, found).objective:
        return hint
    return found


def _greedy_bins(group, scene, count) -> list[TablePlan]:
    bins: list[list[TeamInput]] = [[] for _ in range(min(count, len(group)))]
    for team in sorted(group, key=lambda t: (-t.size, t.id)):
        min(
            bins,
            key=lambda b: (any(t.prefecture == team.prefecture for t in b), sum(t.size for t in b)),
        ).append(team)
    return [TablePlan(scene, [t.id for t in b]) for b in bins if b]


# --- reasons ---------------------------------------------------------------------------------

PART_REASONS = {
    "room": "会場の卓数（{count}卓）に空きがないため",
    "size": "卓の人数が上限（{max}名）または下限（{min}名）を外れるため",
    "large": "多人数の自治体の卓に入ることになるため",
    "prefecture": "同じ都道府県の自治体と同じ卓になるため",
    "spread": "卓ごとの人数の偏りが大きくなるため",
    "preference": "他の自治体が第１希望から外れることになるため",
}


def explain(teams: list[TeamInput], settings: Settings, tables: list[TablePlan]) -> dict[int, str]:
    """For each team not on its 第１希望: why (the cheapest move to the 第１希望 and what it costs).

    The candidates are every table on the 第１希望 and a new table on it; the reason names the
    part of the objective that grows most with the best candidate.
    """
    base = evaluate(teams, settings, tables)
    reasons: dict[int, str] = {}
    by_id = {t.id: t for t in teams}
    for _n, table in enumerate(tables, 1):
        for tid in table.team_ids:
            team = by_id[tid]
            if team.first is None:
                reasons[tid] = "資料２（検討希望場面）が未提出のため、事務局で場面を決めました。"
                continue
            if table.scene == team.first:
                continue
            best = None
            for target in [i for i, t in enumerate(tables) if t.scene == team.first] + [None]:
                moved = [TablePlan(t.scene, [x for x in t.team_ids if x != tid]) for t in tables]
                if target is None:
                    moved.append(TablePlan(team.first, [tid]))
                else:
                    moved[target].team_ids.append(tid)
                moved = [t for t in moved if t.team_ids]
                ev = evaluate(teams, settings, moved)
                if best is None or ev.objective < best.objective:
                    best = ev
            rank = "第２希望" if table.scene == team.second else "第１・第２希望以外の場面"
            first = SCENE_LABELS[team.first]
            if best is None or best.objective <= base.objective:
                why = "事務局の判断による"
            else:
                # The team's own gain is left out: what grows is the cost for the others.
                own = scene_cost(team, table.scene)
                grown = {
                    k: best.parts[k] - base.parts[k] + (own if k == "preference" else 0)
                    for k in best.parts
                }
                part = max(grown, key=lambda k: (grown[k], k != "preference"))
                why = PART_REASONS[part].format(
                    count=settings.table_count, max=settings.table_max, min=settings.table_min
                )
                if part == "preference" and grown[part] <= 0:
                    why = "場面ごとの人数の調整のため"
            reasons[tid] = (
                f"{rank}（{SCENE_LABELS[table.scene]}）：第１希望「{first}」に移すと{why}。"
            )
    return reasons
