"""Bench: the CPU of one request, in process and without load, before and after (issue 12).

    .venv/bin/python bench/request_cpu.py [--before REV] [--requests 300] [--rounds 2] [--profile]
        [--teams] [--only REGEX] [--py-spy FILE]

What it measures, with the Flask test client against PostgreSQL (a database of its own name,
``kenshu_cpu_<pid>``, migrated and seeded with the FY2023 demo; it drops only that one):

- ``GET /register`` and the questionnaire's ``GET /survey/<slug>`` as a browser makes them (a
  fresh cookie jar: no session cookie), and the form floor's ``GET /bench/floor``;
- an accepted ``POST /register`` with its CSRF token and a new submission key (one session, as
  the surge bench's POST-only clients), and two refused ones: the same e-mail again, and the
  webinar full (its capacity set to 0 for that case through the ORM, then put back);
- an accepted questionnaire answer, ``POST /survey/<slug>?ch=qr``, as the surge bench posts it;
- the form floor's ``POST /bench/floor`` and the least registration's ``POST /bench/least``
  (bench/bench_app.py, this tree's in both columns);
- with ``--teams``: ``GET /team/apply``, an accepted team of two, and one refused
  (１自治体１団体), and the least team application's ``POST /bench/least-team`` (a
  ``--before`` tree without ``teams._check_team`` cannot run it: leave it out with ``--only``);
- the bare pair of bench/bench_app.py (``GET /bench/form``, ``POST /bench/insert``) for scale.

CPU is ``time.process_time()`` of the process per request (the test client runs the whole WSGI
app in process; the database's own work is not counted). The code of ``--before`` (a git
revision, default the branch's base ``main``) and of the working tree are run alternately in
child processes, ``--rounds`` times each; the smallest figure of each is printed. ``--profile``
prints the cProfile (CPU timer) of the working tree's requests instead, top functions by
cumulative and own time, and keeps each in ``/tmp/request_cpu_<case>.prof`` (pstats).
``--only`` keeps the cases whose name matches a regular expression
(``--only '^POST /register$'``); ``--py-spy FILE`` runs the working tree's cases once under
py-spy (250 Hz, the process not paused: at 1 kHz with pauses a one-time cost, a statement
compiled or the master read, took a share of the samples out of all proportion), its raw
stacks into FILE: sampled wall time, the driver's waits on PostgreSQL included, unlike
cProfile's CPU timer, which in turn inflates code made of many small calls.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from registration_surge import registration_form  # bench/ is on sys.path when run

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def child(requests: int, profile: bool, teams: bool = False, only: str = "") -> None:
    """Runs in the source tree under test (cwd): prints one JSON line of ms CPU per request."""
    import cProfile
    import logging
    import pstats
    import re
    import time

    sys.path.insert(0, os.getcwd())
    logging.disable(logging.WARNING)
    from bench.bench_app import app
    from bench.bench_tables import LEAST_EMPTY

    csrf_re = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    key_re = re.compile(r'name="_submission" value="([^"]+)"')
    run = secrets.token_hex(3)
    counter = iter(range(10**9))

    def get_form():
        response = app.test_client().get("/register")
        assert response.status_code == 200, response.status_code

    def get_floor():
        """The floor's page: the product's form page kept blank, without the seat counts."""
        response = app.test_client().get("/bench/floor")
        assert response.status_code == 200, response.status_code

    post_client = app.test_client()
    page = post_client.get("/register").get_data(as_text=True)
    token = csrf_re.search(page).group(1)
    key_match = key_re.search(page)

    def post_form():
        data = dict(registration_form(next(counter), f"cpu{run}"), csrf_token=token)
        if key_match:
            data["_submission"] = secrets.token_urlsafe(24)
        response = post_client.post("/register", data=data)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]

    duplicate: dict[str, str] = {}

    def post_duplicate():
        """The same e-mail again: refused (「既にお申込み」), the form written back with it."""
        if not duplicate:
            duplicate.update(registration_form(0, f"cpudup{run}"))
            first = post_client.post(
                "/register",
                data=dict(duplicate, csrf_token=token, _submission=secrets.token_urlsafe(24)),
            )
            assert first.status_code in (302, 303)
        data = dict(duplicate, csrf_token=token)
        if key_match:
            data["_submission"] = secrets.token_urlsafe(24)
        response = post_client.post("/register", data=data)
        assert response.status_code == 200, response.status_code

    def post_full():
        """The webinar full (its capacity set to 0 for this case): refused 満席."""
        data = dict(registration_form(next(counter), f"cpufull{run}"), csrf_token=token)
        if key_match:
            data["_submission"] = secrets.token_urlsafe(24)
        response = post_client.post("/register", data=data)
        assert response.status_code == 200, response.status_code

    def webinar_capacity(capacity: int) -> None:
        """Through the ORM, so that the event's revision changes as a console change does."""
        from app.events.snapshot import current_event_with_channels

        with app.test_request_context():
            current_event_with_channels().channel("webinar").capacity = capacity
            db.session.commit()
            db.session.remove()

    def post_floor():
        data = dict(registration_form(next(counter), f"cpufloor{run}"), csrf_token=token)
        response = post_client.post("/bench/floor", data=data)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]

    def post_least():
        """bench_app.bench_least: the floor plus what issue 12 asks of a registration, in SQL
        (its own seats, emptied with the teams below)."""
        data = dict(registration_form(next(counter), f"cpuleast{run}"), csrf_token=token)
        response = post_client.post("/bench/least", data=data)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]

    bare_client = app.test_client()

    def bare_get():
        assert app.test_client().get("/bench/form").status_code == 200

    def bare_post():
        assert bare_client.post("/bench/insert", data={"note": "x"}).status_code == 201

    import registration_surge

    with app.app_context():
        from sqlalchemy import text

        from app.extensions import db

        registration_surge.MUNICIPALITIES[:] = db.session.scalars(
            text("SELECT code FROM municipality WHERE city IS NOT NULL ORDER BY code")
        ).all()
        # One team per 自治体, a seat per address: each child starts from none, the leasts'
        # rows and counters too (this bench's own database).
        db.session.execute(text("TRUNCATE team, team_member CASCADE"))
        for statement in LEAST_EMPTY:
            db.session.execute(text(statement))
        db.session.commit()
        db.session.remove()
    team_client = app.test_client()
    team_page = team_client.get("/team/apply").get_data(as_text=True)
    team_token = csrf_re.search(team_page).group(1)
    team_cookie = team_client.get_cookie("session").value
    team_numbers = iter(range(10**9))

    def get_team():
        assert app.test_client().get("/team/apply").status_code == 200

    def post_team():
        data = dict(registration_surge.team_form(next(team_numbers)), csrf_token=team_token)
        data["_submission"] = secrets.token_urlsafe(24)
        team_client.set_cookie("session", team_cookie)  # as the form page left it (no flashes)
        response = team_client.post("/team/apply", data=data)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]

    team_duplicate: list[dict] = []

    def post_team_duplicate():
        """A team from a 自治体 that has one (１自治体１団体): refused, a short page (before 407fe3b
        the form written back)."""
        if not team_duplicate:
            team_duplicate.append(
                registration_surge.team_form(len(registration_surge.MUNICIPALITIES) - 1)
            )
            team_client.set_cookie("session", team_cookie)
            first = team_client.post(
                "/team/apply",
                data=dict(
                    team_duplicate[0], csrf_token=team_token, _submission=secrets.token_urlsafe(24)
                ),
            )
            assert first.status_code in (302, 303)
        data = dict(team_duplicate[0], csrf_token=team_token, _submission=secrets.token_urlsafe(24))
        team_client.set_cookie("session", team_cookie)
        response = team_client.post("/team/apply", data=data)
        assert response.status_code == 200, response.status_code

    least_team_numbers = iter(range(10**9))

    def post_least_team():
        """bench_app.bench_least_team: the team form plus what issue 12 asks of an
        application, in SQL (its own tables, emptied with the product's above)."""
        data = dict(registration_surge.team_form(next(least_team_numbers)), csrf_token=team_token)
        team_client.set_cookie("session", team_cookie)
        response = team_client.post("/bench/least-team", data=data)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]

    with app.app_context():
        slug = db.session.scalar(text("SELECT slug FROM event ORDER BY id DESC LIMIT 1"))
    survey_path = f"/survey/{slug}?ch=qr"

    def get_survey():
        """The questionnaire's page as a browser makes it (opened by ``main``)."""
        response = app.test_client().get(survey_path)
        assert response.status_code == 200, response.status_code

    survey_client = app.test_client()
    survey_page = survey_client.get(survey_path).get_data(as_text=True)
    survey_token = csrf_re.search(survey_page).group(1)
    survey_cookie = survey_client.get_cookie("session").value
    survey_numbers = iter(range(10**9))

    def post_survey():
        """One answer as the surge bench posts it (registration_surge.survey_form)."""
        data = dict(registration_surge.survey_form(next(survey_numbers)), csrf_token=survey_token)
        data["_submission"] = secrets.token_urlsafe(24)
        survey_client.set_cookie("session", survey_cookie)
        response = survey_client.post(survey_path, data=data)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]

    cases = {
        "GET /register": get_form,
        "GET /survey/<slug>": get_survey,
        "POST /survey/<slug>": post_survey,
        "floor GET /bench/floor": get_floor,
        "POST /register": post_form,
        "duplicate POST /register": post_duplicate,
        "満席 POST /register": post_full,
        "floor POST /bench/floor": post_floor,
        "least POST /bench/least": post_least,
    }
    if teams:
        cases.update(
            {
                "GET /team/apply": get_team,
                "POST /team/apply": post_team,
                "duplicate POST /team/apply": post_team_duplicate,
                "least POST /bench/least-team": post_least_team,
            }
        )
    cases.update({"bare GET /bench/form": bare_get, "bare POST /bench/insert": bare_post})
    if only:
        cases = {name: call for name, call in cases.items() if re.search(only, name)}
    result = {}
    # No app context around the requests: each pushes its own and ends its session, as a
    # served request does (a shared one kept the session, and its expired objects, from one
    # request to the next).
    for name, call in cases.items():
        if call is post_full:
            webinar_capacity(0)
        for _ in range(20):  # warm: caches, pool, compiled templates
            call()
        profiler = cProfile.Profile(time.process_time) if profile else None
        start = time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(requests):
            call()
        if profiler:
            profiler.disable()
        result[name] = (time.process_time() - start) * 1000 / requests
        if call is post_full:
            webinar_capacity(1_000_000)
        if profiler:
            print(f"\n===== {name} (cProfile, {requests} requests) =====", file=sys.stderr)
            profiler.dump_stats(f"/tmp/request_cpu_{re.sub(r'[^A-Za-z]+', '_', name)}.prof")
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
    print(json.dumps(result))


def export(rev: str, into: Path) -> Path:
    """The tree of ``rev`` (git archive) in a temporary directory, with this tree's
    bench_app.py and bench_tables.py (the bare pair, the floor and the leasts as measured
    now)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev], cwd=ROOT, check=True, capture_output=True
    ).stdout
    path = into / "before"
    path.mkdir()
    import io

    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(path, filter="data")
    # The bench's own routes and tables as this tree has them: only the app's code differs.
    for name in ("bench_app.py", "bench_tables.py"):
        (path / "bench" / name).write_bytes((ROOT / "bench" / name).read_bytes())
    return path


def run_child(
    tree: Path,
    env: dict,
    requests: int,
    profile: bool,
    teams: bool = False,
    only: str = "",
    py_spy: str = "",
) -> dict[str, float]:
    spy = [str(VENV_BIN / "py-spy"), "record", "--format", "raw", "--rate", "250", "--nonblocking"]
    out = subprocess.run(
        ([*spy, "--output", py_spy, "--"] if py_spy else [])
        + [sys.executable, str(Path(__file__).resolve()), "--child", "--requests", str(requests)]
        + (["--profile"] if profile else [])
        + (["--teams"] if teams else [])
        + (["--only", only] if only else []),
        cwd=tree,
        env=dict(env, PYTHONPATH=str(tree)),
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    # The child's figures are its last line of JSON (py-spy writes its own lines after it).
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--before", default="main", help="git revision of the 'before' code")
    parser.add_argument("--requests", type=int, default=300, help="per case")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--teams", action="store_true", help="also GET and POST /team/apply (a team of two)"
    )
    parser.add_argument("--only", default="", help="only the cases whose name matches this regex")
    parser.add_argument(
        "--py-spy",
        default="",
        metavar="FILE",
        help="run the working tree's cases once under py-spy (raw stacks into FILE; py-spy is"
        " not a dependency: pip install py-spy)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.requests, args.profile, args.teams, args.only)
        return 0

    import psycopg
    from psycopg import sql

    name = f"kenshu_cpu_{os.getpid()}"
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conninfo = psycopg.conninfo.make_conninfo(args.admin_url, dbname=name)
    parts = psycopg.conninfo.conninfo_to_dict(conninfo)
    url = (
        f"postgresql://{parts.get('user', 'postgres')}@{parts.get('host', '127.0.0.1')}"
        f":{parts.get('port', 5432)}/{name}"
    )
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32)}
    env["KENSHU_PUBLIC_BASE_URL"] = "http://127.0.0.1"
    env.pop("KENSHU_MAIL_SERVER", None)
    try:
        for command in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run(
                [str(VENV_BIN / "flask"), "--app", "wsgi", *command],
                cwd=ROOT,
                env=dict(env, PYTHONPATH=str(ROOT)),
                check=True,
                capture_output=True,
            )
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("UPDATE channel SET capacity = 1000000 WHERE code = 'webinar'")
            conn.execute(
                "UPDATE event SET survey_opens_at = now() - interval '1 day',"
                " survey_closes_at = now() + interval '14 days'"
            )
        if args.profile or args.py_spy:
            result = run_child(
                ROOT, env, args.requests, args.profile, args.teams, args.only, args.py_spy
            )
            print(json.dumps(result, indent=1))
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            before_tree = export(args.before, Path(tmp))
            runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
            for _ in range(args.rounds):
                for side, tree in (("before", before_tree), ("after", ROOT)):
                    runs[side].append(
                        run_child(tree, env, args.requests, False, args.teams, args.only)
                    )
        print(f"CPU per request, ms (smallest of {args.rounds} rounds of {args.requests}):")
        print(f"{'':26} {'before':>8} {'after':>8}")
        for case in runs["after"][0]:
            before = min(r.get(case, float("nan")) for r in runs["before"])
            after = min(r[case] for r in runs["after"])
            print(f"{case:26} {before:8.2f} {after:8.2f}")
    finally:
        with psycopg.connect(args.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
