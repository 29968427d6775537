"""Registration surge, browser-like and POST-only, product and bare interleaved (issue 12).

What it does, all on loopback, against one PostgreSQL:
1. creates a database of its own name (``kenshu_surge_bench``; it drops only that one), runs
   ``flask db upgrade`` and ``flask seed-demo`` (FY2023, registration open; the webinar's
   capacity --capacity), opens the questionnaire;
2. starts gunicorn (--worker-class sync by default, --workers 2 × cores) serving
   ``bench.bench_app:app``: the real app plus a bare ``GET /bench/form`` + ``POST /bench/insert``;
3. for each form — the 研修会議Ⅰ registration, the 研修会議Ⅱ team application, the
   questionnaire — runs, interleaved: the bare pair browser-like, the form browser-like (a fresh
   cookie jar per attempt: GET the form, POST it with its CSRF token and submission key), the
   bare insert POST-only, the form POST-only (one session per client, a new submission key per
   POST); for the registration, the form floor and the least registration between the two
   (``/bench/floor``: the product's form page and ``RegistrationForm`` validation with the
   bare insert, no seat; ``/bench/least``: that floor plus the spec's rules and what issue 12
   asks of a registration — the duplicate check, the mail, the seat taken by a conditional
   UPDATE inside the one statement — in hand-written SQL, the bound no registration passes);
   for the team application, the least team application between the two
   (``/bench/least-team``: the product's team form and page, the spec's rules, then what issue
   12 asks of an application — the municipality's earlier team and the venue's head-count,
   the members' mails, the team, its members and their mails in one statement while the
   head-count still gives their state — in hand-written SQL, the bound no application
   passes; ``--team-least rows``: the same writing the product's own rows and submission key,
   ``--team-least rows-lock``: on those rows with the product's lock in place of the
   counter); every endpoint is first warmed, untimed, in every worker (``warm_up``); the data
   of the forms is emptied before each phase, so each starts from 0 seats;
   each form and mode runs --rounds times (3 by default), every other round in the reverse
   order (the form first, the bare phase last), so that neither side always runs on a machine
   the other has just warmed or loaded;
4. counts the database round trips of one accepted registration, team application and answer,
   and of one bare insert as its phases post it (3: BEGIN, INSERT, COMMIT), in this process
   (the app on the same database, counted at the engine: tests/roundtrips.py);
5. prints per phase attempts/s, accepted/s, p50/p95 of GET and POST, the refusals' p95, the
   pace at which the seats went (accepted per second until the last acceptance, when some
   were refused), the CPU per attempt of the gunicorn processes, PostgreSQL and this load
   generator (from /proc), the oversold seats counted in the database, and the ratios to the
   bare pair; the last line starts with ``ratio to bare:``, each ratio the median of the
   rounds' own ratios (each round's form against that round's bare phase) with their range.
   The registration's throughput ratio is of accepted registrations over the whole phase,
   refusals' time included (the issue's yardstick); the seats' pace ratio follows it in
   brackets. The ``form floor:`` line
   before it gives the floor's ratio to bare, also scaled by the seats' share of the attempts
   (what even a registration costing no more than its form would reach by that yardstick),
   and the registration's ratio to the floor; the ``least registration:`` line gives the
   least's ratio to bare (on the yardstick as it stands: it refuses what the registration
   refuses) and the registration's ratio to it; the ``least team application:`` line the same
   of the team's bound.

    .venv/bin/python bench/registration_surge.py [--attempts 700] [--capacity 450] [--clients 32]
    .venv/bin/python bench/registration_surge.py --quick      # 300 attempts, 200 seats: < 2 min
    .venv/bin/python bench/registration_surge.py --rounds 1   # one round: a single phase's figures
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests
from bench_tables import LEAST_EMPTY  # bench/ is on sys.path when run
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
KEY_RE = re.compile(r'name="_submission" value="([^"]+)"')
FULL_TEXT = "に達しました"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- database and server


def create_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(admin_url, dbname=name)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def as_url(conninfo: str) -> str:
    """postgresql://user[:password]@host:port/dbname from a libpq conninfo."""
    parts = psycopg.conninfo.conninfo_to_dict(conninfo)
    auth = parts.get("user", "postgres") + (
        f":{parts['password']}" if parts.get("password") else ""
    )
    return (
        f"postgresql://{auth}@{parts.get('host', '127.0.0.1')}:{parts.get('port', 5432)}"
        f"/{parts['dbname']}"
    )


def flask(env: dict, *args: str) -> None:
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def prepare_database(conninfo: str, env: dict, capacity: int | None) -> tuple[int, int]:
    """Migrate, seed the demo event; returns (webinar channel id, capacity)."""
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        channel_id, seeded = conn.execute(
            "SELECT id, capacity FROM channel WHERE code = 'webinar'"
        ).fetchone()
        if capacity is not None:
            conn.execute("UPDATE channel SET capacity = %s WHERE id = %s", (capacity, channel_id))
            seeded = capacity
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert (id BIGSERIAL PRIMARY KEY,"
            " note VARCHAR(100) NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
    return channel_id, seeded


def start_gunicorn(
    env: dict, port: int, workers: int, threads: int, worker_class: str = "gthread"
) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            *(["--threads", str(threads)] if worker_class == "gthread" else []),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.bench_app:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            if requests.get(base + "/register", timeout=30).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop(process)
    raise SystemExit("gunicorn did not answer within 120 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---------------------------------------------------------------- what each form posts


def new_key() -> str:
    """A submission key as a rendered form carries one (core.idempotency)."""
    return secrets.token_urlsafe(24)


def registration_form(n: int, prefix: str = "surge") -> dict[str, str]:
    """The /register form of a municipal officer for the webinar; ``n`` makes the address unique."""
    email = f"{prefix}{n}@city.example.jp"
    return {
        "channel": "webinar",
        "name": f"試験 太郎{n}",
        "kana": "しけん たろう",
        "email": email,
        "email_confirm": email,
        "phone": "03-1234-5678",
        "category": "muni",
        "municipality": "131016",
        "organisation": "",
        "department": "高齢福祉課",
        "occupation": "保健師",
        "consent": "y",
    }


MUNICIPALITIES: list[str] = []  # filled from the database: one team per municipality


def team_form(n: int) -> dict[str, str]:
    data = {
        "channel": "t2_tokyo" if n % 2 else "t2_osaka",
        "team_municipality": MUNICIPALITIES[n % len(MUNICIPALITIES)],
        "note": "",
        "consent": "y",
        "member_count": "2",
    }
    members = [
        ("muni", "same", "", "保健福祉局"),
        ("kankei_dantai", "", "市医師会", "事務局"),
    ]
    for i, (category, municipality, organisation, department) in enumerate(members):
        data.update(
            {
                f"members-{i}-name": f"試験 花子{n}-{i}",
                f"members-{i}-kana": "しけん はなこ",
                f"members-{i}-email": f"team{n}-{i}@city.example.jp",
                f"members-{i}-phone": "",
                f"members-{i}-category": category,
                f"members-{i}-municipality": municipality,
                f"members-{i}-organisation": organisation,
                f"members-{i}-department": department,
                f"members-{i}-occupation": "事務職",
                f"members-{i}-category_other": "",
            }
        )
    return data


def survey_form(n: int) -> dict:
    data = {"ch": "qr", "F1": str(n % 23 + 1), "F3": "4", "F2": ["4", "5"]}
    for r in range(1, 10):
        data[f"Q1_1_{r}_c"] = str((n + r) % 5 + 1)
        data[f"Q1_1_{r}_t"] = "3"
    for r in range(1, 7):
        data[f"Q1_2_{r}_c"] = str((n + r) % 3 + 1)
        data[f"Q1_2_{r}_t"] = str((n + r) % 5 + 1)
    data.update({"Q2_months": ["9", "10"], "Q3_1": "2", "Q3_2": "1", "Q4": "2", "Q5": "2"})
    data["Q8"] = "ベンチマークの回答です。"
    return data


@dataclass
class Form:
    """One public form: where it is, what it posts, how an accepted answer looks."""

    name: str
    page: str
    data: object  # n → dict
    accepted: object  # response → bool
    refused_text: str | None = None
    keyed: bool = True  # posts a one-time submission key, as the product's forms do


def _redirected_to(fragment: str):
    return lambda r: r.status_code in (302, 303) and fragment in r.headers.get("Location", "")


FORMS = {
    "registration": Form(
        "研修会議Ⅰ registration", "/register", registration_form, _redirected_to("/r/"), FULL_TEXT
    ),
    "team": Form("研修会議Ⅱ team application", "/team/apply", team_form, _redirected_to("/t/")),
    "survey": Form("questionnaire", "", survey_form, _redirected_to("/thanks")),
}
# One INSERT and one COMMIT: no submission key either (a key is claimed and freed in two
# transactions of their own by any view that does not fold it into its own, as this one).
BARE = Form(
    "bare GET + insert", "/bench/form", lambda n: {"note": "bench"}, lambda r: True, keyed=False
)
# The 研修会議Ⅰ form's own page and validation with the bare insert (bench_app.bench_floor):
# the least a handler of the spec's form costs on this stack, so no submission key either.
FLOOR = Form("form floor", "/bench/floor", registration_form, _redirected_to("/r/"), keyed=False)
# That floor plus what issue 12 asks of a registration (the duplicate check, the seat under a
# lock, the mail), in hand-written SQL (bench_app.bench_least): a bound no registration passes.
LEAST = Form(
    "least registration",
    "/bench/least",
    registration_form,
    _redirected_to("/r/"),
    FULL_TEXT,
    keyed=False,
)
# The team form's own page and validation plus what issue 12 asks of an application (the
# municipality's earlier team, the venue's head-count under a lock, the members' mails), in
# hand-written SQL (bench_app.bench_least_team): a bound no team application passes.
LEAST_TEAM = Form(
    "least team application", "/bench/least-team", team_form, _redirected_to("/t/"), keyed=False
)
# ``--team-least rows``: the same bound writing the product's own rows (its team, members and
# outbox mails, every column and index, and the submission key the form posts; the venue's
# head-count still a counter): what a product path without ORM objects or a lock statement
# would cost (bench_app.bench_least_team_rows).
LEAST_TEAM_ROWS = Form(
    "least team application on the product's rows",
    "/bench/least-team-rows",
    team_form,
    _redirected_to("/t/"),
)
# ``--team-least rows-lock``: that bound with the product's seat instead of the counter (the
# venue's lock, the head-count counted under it; bench_app.bench_least_team_rows_lock).
LEAST_TEAM_ROWS_LOCK = Form(
    "least team application on the product's rows and lock",
    "/bench/least-team-rows-lock",
    team_form,
    _redirected_to("/t/"),
)
LEASTS = {"registration": LEAST, "team": LEAST_TEAM}


# ---------------------------------------------------------------- clients


def cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) so far of the gunicorn processes, of PostgreSQL's and of
    this process (the load generator), read from /proc; empty where /proc is missing."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"app": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        if b"gunicorn" in cmdline:
            totals["app"] += used
        elif stat[stat.index("(") + 1 : stat.rindex(")")] == "postgres":
            totals["postgres"] += used
    totals["client"] = time.process_time()
    return totals


@dataclass
class Phase:
    """One timed phase: per attempt (GET seconds or None, POST seconds, outcome), and the CPU
    seconds each side spent during it (``cpu_seconds`` differences)."""

    name: str
    samples: list[tuple[float | None, float, str]] = field(default_factory=list)
    wall: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    accepted_at: list[float] = field(default_factory=list)  # seconds from the start

    def fill_rate(self) -> float:
        """Accepted per second until the last acceptance: the pace at which the seats went,
        without the refusals that follow once they are gone."""
        return len(self.accepted_at) / max(self.accepted_at) if self.accepted_at else float("nan")

    def count(self, outcome: str) -> int:
        return sum(1 for *_, o in self.samples if o == outcome)

    def posts(self, outcome: str | None = None) -> list[float]:
        return sorted(p for _, p, o in self.samples if outcome is None or o == outcome)

    def gets(self) -> list[float]:
        return sorted(g for g, _, _ in self.samples if g is not None)

    def rate(self, outcome: str) -> float:
        return self.count(outcome) / self.wall if self.wall else float("nan")


def classify(form: Form, response: requests.Response) -> str:
    if form is BARE:
        return "accepted" if response.status_code == 201 else f"error {response.status_code}"
    if form.accepted(response):
        return "accepted"
    if response.status_code == 200 and form.refused_text and form.refused_text in response.text:
        return "refused"
    return f"error {response.status_code}"


def run_phase(
    name: str, base: str, form: Form, clients: int, total: int, browser: bool, max_seconds: float
) -> Phase:
    """``clients`` threads share ``total`` attempts. Browser-like: a fresh cookie jar per
    attempt, GET the page, POST what it carries. POST-only: one session per client that got
    the page once, each POST with the cookies of that page and a new submission key. Timing
    starts when all are ready."""
    phase = Phase(name)
    numbers = iter(range(total))
    numbers_lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    lock = threading.Lock()
    deadline = [float("inf")]
    phase_start = [0.0]
    post_url = base + ("/bench/insert" if form is BARE else form.page)

    def fetch(session: requests.Session) -> tuple[float, str]:
        started = time.perf_counter()
        page = session.get(base + form.page, timeout=60)
        elapsed = time.perf_counter() - started
        match = CSRF_RE.search(page.text)
        return elapsed, match.group(1) if match else ""

    def client() -> None:
        session = requests.Session()
        try:
            token = "" if browser else fetch(session)[1]
        except requests.RequestException:
            token = ""  # counted as errors below
        # POST-only: every POST carries the cookies the form page gave. A browser follows the
        # redirect, whose page takes the answer's flash message out of the session cookie;
        # without it the cookie would grow by a message per POST (the team application's).
        page_cookies = session.cookies.copy()
        local: list[tuple[float | None, float, str]] = []
        accepted_at: list[float] = []
        ready.wait()
        while time.perf_counter() < deadline[0]:
            with numbers_lock:
                n = next(numbers, None)
            if n is None:
                break
            get_time = None
            try:
                if browser:
                    session.close()
                    session = requests.Session()
                    get_time, token = fetch(session)
                else:
                    session.cookies = page_cookies.copy()
                data = dict(form.data(n), csrf_token=token)
                if form.keyed:
                    data["_submission"] = new_key()
                started = time.perf_counter()
                response = session.post(post_url, data=data, allow_redirects=False, timeout=60)
                outcome = classify(form, response)
            except requests.RequestException as exc:
                started, outcome = time.perf_counter(), f"error {type(exc).__name__}"
            local.append((get_time, time.perf_counter() - started, outcome))
            if outcome == "accepted":
                accepted_at.append(time.perf_counter())
        with lock:
            phase.samples.extend(local)
            phase.accepted_at.extend(t - phase_start[0] for t in accepted_at)
        session.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    phase_start[0] = started
    deadline[0] = started + max_seconds
    for thread in threads:
        thread.join()
    phase.wall = time.perf_counter() - started
    cpu_after = cpu_seconds()
    phase.cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_after}
    return phase


def warm_up(base: str, forms: list[Form], workers: int) -> None:
    """Every endpoint of the run, untimed, in every worker: a short browser-like phase of each
    (GET and POST), so that no timed phase pays a worker's first page, template compilation,
    master lists or mail templates — the first timed phase of an endpoint did (the floor's
    first phase cost twice the app CPU per attempt of a later one)."""
    extra = [FLOOR] if FORMS["registration"] in forms else []
    extra += [LEASTS[key] for key in LEASTS if FORMS[key] in forms]
    for form in [BARE, *extra, *forms]:
        run_phase("warm-up", base, form, 2 * workers, 8 * workers, True, 60.0)


# ---------------------------------------------------------------- the database


def empty_forms(conninfo: str) -> None:
    """Back to 0 seats, no teams, no answers (the bench's own database only)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE waitlist_entry, registration, team_member, team, outbox_message,"
            " submission_key, survey_response, bench_insert CASCADE"
        )
        for statement in LEAST_EMPTY:  # the leasts' rows and counters
            conn.execute(statement)


def oversold(conninfo: str, channel_id: int, capacity: int) -> tuple[int, int]:
    with psycopg.connect(conninfo) as conn:
        taken = conn.execute(
            "SELECT count(*) FROM registration WHERE channel_id = %s AND status = 'active'",
            (channel_id,),
        ).fetchone()[0]
    return taken, max(0, taken - capacity)


def count_round_trips(env: dict, slug: str) -> dict[str, str]:
    """Round trips of one accepted POST of each form, counted at the engine in this process
    (the app on the bench database, the test client: tests/roundtrips.py)."""
    sys.path.insert(0, str(ROOT))
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY")})
    from app import create_app
    from app.extensions import db
    from tests.roundtrips import RoundTrips

    app = create_app(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    result = {}
    with app.app_context():
        client.get("/team/apply")  # the per-process caches (master, pickers) are warm
        client.post("/register", data=registration_form(10**6))
        # …and the questionnaire's parsed version, as in a worker after its first answer.
        client.post(f"/survey/{slug}", data=dict(survey_form(0), _submission=new_key()))
        for key, (path, data) in {
            "registration": ("/register", registration_form(10**6 + 1)),
            "team": ("/team/apply", team_form(10**6 + 2)),
            "survey": (f"/survey/{slug}", survey_form(1)),
        }.items():
            db.session.remove()
            with RoundTrips(db.engine) as trips:
                response = client.post(path, data=dict(data, _submission=new_key()))
                db.session.remove()
            accepted = response.status_code in (302, 303)
            result[key] = f"{len(trips)}" + (
                "" if accepted else f" (NOT accepted: {response.status_code})"
            )
        db.engine.dispose()
    # The yardstick, as the phases post it: BEGIN, the INSERT, COMMIT (it once carried a
    # submission key, which the app claimed and freed in two transactions of their own).
    from bench.bench_app import app as bench_app

    with bench_app.app_context():
        data = dict(BARE.data(0), **({"_submission": new_key()} if BARE.keyed else {}))
        db.session.remove()
        with RoundTrips(db.engine) as trips:
            response = bench_app.test_client().post("/bench/insert", data=data)
            db.session.remove()
        result["bare insert"] = f"{len(trips)}" + (
            "" if response.status_code == 201 else f" (NOT accepted: {response.status_code})"
        )
        db.engine.dispose()
    return result


# ---------------------------------------------------------------- report


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def describe(phase: Phase, capacity_note: str = "") -> str:
    accepted, refused = phase.count("accepted"), phase.count("refused")
    errors = len(phase.samples) - accepted - refused
    gets = phase.gets()
    line = (
        f"  {phase.name:<34} {len(phase.samples) / phase.wall:6.1f} attempts/s"
        f" {phase.rate('accepted'):6.1f} accepted/s"
        f"  POST p50 {ms(percentile(phase.posts(), 50))} p95 {ms(percentile(phase.posts(), 95))}"
    )
    if gets:
        line += f"  GET p50 {ms(percentile(gets, 50))} p95 {ms(percentile(gets, 95))}"
    if refused:
        line += f"  refused {refused} (p95 {ms(percentile(phase.posts('refused'), 95))})"
        line += f"  seats went at {phase.fill_rate():.1f}/s"
    if errors:
        line += f"  ERRORS {errors}"
    if phase.cpu and phase.samples:
        per = {k: v * 1000 / len(phase.samples) for k, v in phase.cpu.items()}
        line += "  CPU per attempt " + ", ".join(f"{k} {v:.1f} ms" for k, v in per.items())
    return line + capacity_note


def run_round(
    key: str,
    form: Form,
    browser: bool,
    label: str,
    base: str,
    args: argparse.Namespace,
    conninfo: str,
    channel_id: int,
    capacity: int,
    product_first: bool,
) -> tuple[Phase, Phase, Phase | None, Phase | None]:
    """One round of a form in one mode, from 0 seats: the bare pair, the form's bounds (the
    registration's floor and least, the team's least), and the form; in that order, or in the reverse one when
    ``product_first`` (rounds alternate, so that neither side always runs on a machine the
    other has just warmed or loaded). Prints each phase; returns (product, bare, floor, least).
    """
    phases: dict[str, Phase] = {}

    def timed(name: str, title: str, target: Form, note: Callable[[], str] = str) -> None:
        # Every phase from none: the team's bound on the product's rows writes the product's
        # tables, where the product's teams of a phase before it would refuse every one.
        empty_forms(conninfo)
        phases[name] = run_phase(
            title, base, target, args.clients, args.attempts, browser, args.max_seconds
        )
        print(describe(phases[name], note()), flush=True)

    def least_seats() -> str:
        with psycopg.connect(conninfo) as conn:
            taken = conn.execute("SELECT count(*) FROM bench_least").fetchone()[0]
        return f"  seats {taken}/{capacity} oversold {max(0, taken - capacity)}"

    def product_seats() -> str:
        if key != "registration":
            return ""
        taken, over = oversold(conninfo, channel_id, capacity)
        return f"  seats {taken}/{capacity} oversold {over}"

    def bare() -> None:
        timed("bare", f"bare {'GET + insert' if browser else 'insert'} ({label})", BARE)

    def floor() -> None:
        timed("floor", f"form floor ({label})", FLOOR)

    def least() -> None:
        bound = LEASTS[key]
        timed("least", f"{bound.name} ({label})", bound, least_seats if bound is LEAST else str)

    def product() -> None:
        timed("product", f"{key} ({label})", form, product_seats)

    order = {"registration": [bare, floor, least, product], "team": [bare, least, product]}.get(
        key, [bare, product]
    )
    for phase in reversed(order) if product_first else order:
        phase()
    return phases["product"], phases["bare"], phases.get("floor"), phases.get("least")


def round_ratios(
    key: str,
    product: Phase,
    bare: Phase,
    floor: Phase | None,
    least: Phase | None,
    seats: float,
) -> dict[str, float]:
    """One round's ratios to its own bare phase: ``throughput`` (the registration's accepted
    registrations over the whole phase, refusals' time included: the issue's yardstick; the
    other forms accept every attempt), ``post_p95``, ``fill`` (the seats' pace, when some
    were refused), ``get_p95`` (browser-like); the same of the form's bounds (the
    registration's floor and least, the team's least), prefixed ``floor_`` and ``least_``
    (their accepted per second as ``floor``, ``least``; ``floor_seats``: the floor's scaled by
    ``seats``, the share of attempts that can be accepted), and ``of_floor``, ``of_least``:
    the form's accepted per second to theirs."""
    base = bare.rate("accepted")

    def versus_bare(phase: Phase, prefix: str = "") -> dict[str, float]:
        result = {f"{prefix}post_p95": percentile(phase.posts(), 95) / percentile(bare.posts(), 95)}
        if phase.count("refused"):
            result[f"{prefix}fill"] = phase.fill_rate() / base
        if phase.gets():
            result[f"{prefix}get_p95"] = percentile(phase.gets(), 95) / percentile(bare.gets(), 95)
        return result

    result = versus_bare(product)
    if key == "registration":
        result["throughput"] = product.rate("accepted") / base
    else:
        result["throughput"] = (len(product.samples) / product.wall) / base
    for name, bound in (("floor", floor), ("least", least)):
        if bound is not None:
            # The floor takes every attempt; the least refuses what the registration refuses.
            result.update(versus_bare(bound, f"{name}_"))
            result[name] = bound.rate("accepted") / base
            result[f"of_{name}"] = product.rate("accepted") / bound.rate("accepted")
    if floor is not None:
        result["floor_seats"] = result["floor"] * seats
    return result


def spread(rows: list[dict[str, float]], name: str, digits: int) -> str:
    """The median of a ratio over the rounds that have it, with its range when there are
    several: ``0.47× (0.41–0.52)``; empty when no round has it."""
    values = sorted(row[name] for row in rows if name in row)
    if not values:
        return ""
    text = f"{statistics.median(values):.{digits}f}×"
    if len(values) > 1:
        text += f" ({values[0]:.{digits}f}–{values[-1]:.{digits}f})"
    return text


def p95s(rows: list[dict[str, float]], prefix: str = "") -> str:
    """``POST p95 …`` and, browser-like, ``, GET p95 …`` of the rounds (``spread``)."""
    text = f"POST p95 {spread(rows, prefix + 'post_p95', 1)}"
    get = spread(rows, prefix + "get_p95", 1)
    return text + (f", GET p95 {get}" if get else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="kenshu_surge_bench")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--attempts", type=int, default=700, help="per phase")
    parser.add_argument("--capacity", type=int, default=450, help="webinar seats")
    parser.add_argument("--quick", action="store_true", help="--attempts 300 --capacity 200")
    parser.add_argument("--forms", default="registration,team,survey")
    parser.add_argument("--modes", default="browser,post")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="gthread only")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="per phase")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of each form and mode, alternating which side runs first; the ratios"
        " printed last are their medians",
    )
    parser.add_argument(
        "--team-least",
        default="least",
        choices=["least", "rows", "rows-lock"],
        help="the team's bound: the least team application, the same on the product's rows,"
        " or on its rows and with its lock",
    )
    args = parser.parse_args()
    LEASTS["team"] = {"rows": LEAST_TEAM_ROWS, "rows-lock": LEAST_TEAM_ROWS_LOCK}.get(
        args.team_least, LEAST_TEAM
    )
    if args.quick:
        args.attempts, args.capacity = 300, 200
    forms = [f for f in args.forms.split(",") if f]
    modes = [m for m in args.modes.split(",") if m]

    conninfo = create_database(args.admin_url, args.database)
    env = {
        **os.environ,
        "DATABASE_URL": as_url(conninfo),
        "SECRET_KEY": secrets.token_hex(32),
        "KENSHU_PUBLIC_BASE_URL": "http://127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("KENSHU_MAIL_SERVER", None)
    process = None
    results: list[tuple[str, str, Phase, Phase, Phase | None, Phase | None]] = []
    try:
        channel_id, capacity = prepare_database(conninfo, env, args.capacity)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                "UPDATE event SET survey_opens_at = now() - interval '1 day',"
                " survey_closes_at = now() + interval '14 days'"
            )
            slug = conn.execute("SELECT slug FROM event ORDER BY id DESC LIMIT 1").fetchone()[0]
            MUNICIPALITIES.extend(
                r[0]
                for r in conn.execute(
                    "SELECT code FROM municipality WHERE city IS NOT NULL ORDER BY code"
                )
            )
        FORMS["survey"].page = f"/survey/{slug}?ch=qr"
        port = free_port()
        process = start_gunicorn(env, port, args.workers, args.threads, args.worker_class)
        base = f"http://127.0.0.1:{port}"
        server = f"gunicorn {args.workers} × {args.worker_class}" + (
            f" ({args.threads} threads)" if args.worker_class == "gthread" else ""
        )
        print(
            f"{server}, PostgreSQL, {args.clients} clients, {args.attempts} attempts per phase,"
            f" webinar capacity {capacity}, CSRF on — {os.cpu_count()} cores",
            flush=True,
        )
        warm_up(base, [FORMS[key] for key in forms], args.workers)
        for key in forms:
            form = FORMS[key]
            for mode in modes:
                browser = mode == "browser"
                label = "browser-like" if browser else "POST only"
                for number in range(args.rounds):
                    if args.rounds > 1:
                        print(f"  — {key}, {label}, round {number + 1} of {args.rounds}")
                    phases = run_round(
                        key,
                        form,
                        browser,
                        label,
                        base,
                        args,
                        conninfo,
                        channel_id,
                        capacity,
                        product_first=number % 2 == 1,
                    )
                    results.append((key, label, *phases))
                    if process.poll() is not None:
                        raise SystemExit("gunicorn stopped during the run")
    finally:
        if process is not None:
            stop(process)
    try:
        empty_forms(conninfo)  # a free seat: the count is of an accepted registration
        trips = count_round_trips(env, slug)
    finally:
        if not args.keep:
            drop_database(args.admin_url, args.database)
    print(
        "  round trips of one accepted POST: "
        + ", ".join(f"{k} {v}" for k, v in trips.items() if k in forms or k == "bare insert")
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  load average at the end {load} (other processes on the machine skew every figure)")
    figures: dict[tuple[str, str], list[dict[str, float]]] = {}
    for key, label, product, bare, floor, least in results:
        figures.setdefault((key, label), []).append(
            round_ratios(key, product, bare, floor, least, capacity / args.attempts)
        )
    rounds = (
        f" (median of {args.rounds} rounds, their range in brackets)" if args.rounds > 1 else ""
    )
    ratios, floors, leasts = [], [], {}
    for (key, label), rows in figures.items():
        part = f"{key} {label} {spread(rows, 'throughput', 2)} throughput"
        part += f", POST p95 {spread(rows, 'post_p95', 1)}"
        if fill := spread(rows, "fill", 2):
            part += f" (seats went at {fill})"
        if get := spread(rows, "get_p95", 1):
            part += f", GET p95 {get}"
        ratios.append(part)
        if floor := spread(rows, "floor", 2):
            floors.append(
                f"{label} {floor} bare ({spread(rows, 'floor_seats', 2)} with"
                f" {capacity} of {args.attempts} accepted), the registration"
                f" {spread(rows, 'of_floor', 2)} the floor, {p95s(rows, 'floor_')}"
            )
        if least := spread(rows, "least", 2):
            fill = spread(rows, "least_fill", 2)
            leasts.setdefault(key, []).append(
                f"{label} {least} bare{f' (seats went at {fill})' if fill else ''},"
                f" the {key} {spread(rows, 'of_least', 2)} the least,"
                f" {p95s(rows, 'least_')}"
            )
    if floors:
        print("  form floor" + rounds + ": " + "; ".join(floors))
    for key, parts in leasts.items():
        print(f"  {LEASTS[key].name}{rounds}: " + "; ".join(parts))
    if rounds:
        print("  the ratios below" + rounds)
    print("ratio to bare: " + "; ".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
