"""Bench: the lifecycle state machine (tests/registration/test_lifecycle_machine.py) with many
more examples than CI's fixed profile, random (not derandomised), on SQLite and, with
``TEST_DATABASE_URL``, on PostgreSQL.

    .venv/bin/python bench/lifecycle.py [--examples 500] [--steps 60] [--postgres]

Prints how many sequences and steps ran; a failure prints the shrunk sequence of actions.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also on PostgreSQL (TEST_DATABASE_URL, default the local postgres)",
    )
    args = parser.parse_args()
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        LIFECYCLE_EXAMPLES=str(args.examples),
        LIFECYCLE_STEPS=str(args.steps),
        LIFECYCLE_RANDOM="1",
    )
    if args.postgres:
        env.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    else:
        env.pop("TEST_DATABASE_URL", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-s",
        "-p",
        "no:cacheprovider",
        "-o",
        "timeout=0",
        "tests/registration/test_lifecycle_machine.py",
    ]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
