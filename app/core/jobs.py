"""Background jobs (long reports) on Huey, with their progress and result for the console.

The queue (docs/decisions.md: Background jobs on Huey):

- ``KENSHU_HUEY_URL`` (or ``REDIS_URL``) ``redis://…`` → RedisHuey (production, several app
  servers); ``sqlite:///path`` or nothing → SqliteHuey in ``instance/huey.sqlite3`` (the
  default of a single machine, no server to run).
- The consumer is ``flask jobs`` (scripts/demo.sh starts it beside the mail sender;
  docs/deploy.md runs it as its own systemd service). Tests run jobs at once (``immediate``).

A job is a registered function ``fn(job, **params) -> JobResult``; ``start()`` queues it and
returns its id; the console page ``/console/jobs/<id>`` shows its progress (refreshed by
``<meta http-equiv="refresh">``), then a download link, or a Japanese message when it failed.
The state and the result live in Huey's key-value store beside the queue (no table, no
migration): ``job:<id>`` (a dict, see ``JobState``) and ``job:<id>:data`` (the bytes). Starting a
job of the same kind and scope again replaces the older one (``latest:<kind>:<scope>``), so one
result per report and event is kept.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, has_app_context, render_template
from flask_login import current_user
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey

from app.core.auth import staff_required
from app.core.spreadsheets import download_headers

log = logging.getLogger(__name__)

NAME = "kenshu"
DEFAULT_SQLITE = Path(__file__).resolve().parents[2] / "instance" / "huey.sqlite3"
FAILED_MESSAGE = (
    "作成中にエラーが発生しました。時間をおいてもう一度お試しください。"
    "繰り返し発生する場合はシステム管理者に連絡してください。"
)
STATE_LABELS = {"queued": "順番待ち", "running": "作成中", "done": "完了", "failed": "エラー"}


def build_huey(url: str | None = None) -> Huey:
    """The queue for ``url`` (see the module docstring); ``memory://`` for a throw-away one."""
    url = url or os.environ.get("KENSHU_HUEY_URL") or os.environ.get("REDIS_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(NAME, url=url)
    if url.startswith("memory://"):
        return MemoryHuey(NAME)
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else DEFAULT_SQLITE
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(NAME, filename=str(path))


huey = build_huey()

_functions: dict[str, tuple[str, Callable]] = {}
_app: Flask | None = None


@dataclass
class JobResult:
    data: bytes
    filename: str
    mimetype: str


@dataclass
class JobState:
    """What the console shows of a job: ``state`` queued | running | done | failed; ``done`` of
    ``total`` steps (the unit is the job's: comments, tables …); ``roles`` may see it."""

    id: str
    kind: str
    label: str
    scope: str
    roles: tuple[str, ...]
    state: str = "queued"
    done: int = 0
    total: int = 0
    step: str = ""
    filename: str = ""
    mimetype: str = ""
    size: int = 0
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str = ""

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def percent(self) -> int:
        return 100 if self.state == "done" else (100 * self.done // self.total if self.total else 0)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


def register(kind: str, label: str) -> Callable[[Callable], Callable]:
    """Declare a job function under ``kind`` (a Japanese ``label`` for the console)."""

    def decorator(fn: Callable) -> Callable:
        _functions[kind] = (label, fn)
        return fn

    return decorator


def _key(job_id: str, part: str = "") -> str:
    return f"job:{job_id}{part}"


def _save(state: JobState) -> None:
    huey.put(_key(state.id), asdict(state))


def get(job_id: str) -> JobState | None:
    """The job's state, None when unknown (or replaced by a newer job of its kind)."""
    data = huey.get(_key(job_id), peek=True)
    if not data:
        return None
    data["roles"] = tuple(data["roles"])
    return JobState(**data)


def result(job_id: str) -> bytes | None:
    return huey.get(_key(job_id, ":data"), peek=True)


def latest(kind: str, scope: str) -> JobState | None:
    """The last job started of ``kind`` for ``scope`` (an event id, as text)."""
    job_id = huey.get(f"latest:{kind}:{scope}", peek=True)
    return get(job_id) if job_id else None


class Job:
    """What a running job function gets: ``progress(done, total, step)``."""

    def __init__(self, state: JobState):
        self.state = state

    def progress(self, done: int, total: int, step: str = "") -> None:
        self.state.done, self.state.total = done, total
        if step:
            self.state.step = step
        _save(self.state)


def start(kind: str, scope: str, roles: tuple[str, ...], **params) -> str:
    """Queue the job ``kind`` with ``params`` (JSON-like values); return its id.

    The older job of the same kind and scope, and its result, are forgotten."""
    label, _fn = _functions[kind]
    old = huey.get(f"latest:{kind}:{scope}", peek=True)
    if old:
        huey.get(_key(old), peek=False)
        huey.get(_key(old, ":data"), peek=False)
    state = JobState(id=secrets.token_urlsafe(12), kind=kind, label=label, scope=scope, roles=roles)
    _save(state)
    huey.put(f"latest:{kind}:{scope}", state.id)
    _run(state.id, params)
    return state.id


@huey.task(retries=0)
def _run(job_id: str, params: dict) -> None:
    """The one Huey task: run the registered function of the job inside the app."""
    if has_app_context():
        _execute(job_id, params)
        return
    if _app is None:
        raise RuntimeError("no application: start the consumer with `flask jobs`")
    with _app.app_context():
        _execute(job_id, params)


def _execute(job_id: str, params: dict) -> None:
    state = get(job_id)
    if state is None:  # replaced by a newer job before it ran
        return
    state.state = "running"
    _save(state)
    _label, fn = _functions[state.kind]
    try:
        out: JobResult = fn(Job(state), **params)
    except Exception:
        log.exception("job %s (%s) failed", job_id, state.kind)
        from app.extensions import db

        db.session.rollback()
        state.state = "failed"
    else:
        huey.put(_key(job_id, ":data"), out.data)
        state.state = "done"
        state.filename, state.mimetype, state.size = out.filename, out.mimetype, len(out.data)
    state.finished_at = datetime.now(UTC).isoformat()
    _save(state)


def init_app(app: Flask) -> None:
    """Run jobs at once when ``JOBS_IMMEDIATE`` (the tests); the app the consumer runs them in."""
    global _app
    _app = app
    huey.immediate = bool(app.config.get("JOBS_IMMEDIATE"))
    app.register_blueprint(bp)


def run_consumer(workers: int = 1) -> None:
    """Run Huey's consumer in this process (``flask jobs``) until SIGINT/SIGTERM."""
    huey.immediate = False
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
    consumer.run()


# --- the console pages ------------------------------------------------------------------------

bp = Blueprint("jobs", __name__, url_prefix="/console/jobs")


def _visible(job_id: str) -> JobState:
    state = get(job_id)
    if state is None:
        abort(404)
    if not current_user.can(*state.roles):
        abort(403)
    return state


@bp.route("/<job_id>")
@staff_required()
def status(job_id: str):
    """The job's progress; the page reloads itself every 2 s until it has finished."""
    state = _visible(job_id)
    return render_template("core/job.html", job=state, failed_message=FAILED_MESSAGE)


@bp.route("/<job_id>/download")
@staff_required()
def download(job_id: str):
    state = _visible(job_id)
    data = result(job_id) if state.state == "done" else None
    if data is None:
        abort(404)
    headers = download_headers(state.filename)
    headers["Content-Type"] = state.mimetype
    return current_app.response_class(data, headers=headers)
