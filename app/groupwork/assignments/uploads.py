"""Where uploaded 資料４ and 組織図 files live: UPLOAD_FOLDER/team_files/<random name>.

Never under static: the files are served only through views that check who is asking.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

from flask import current_app

from app.groupwork.assignments.models import TeamFile

SUBFOLDER = "team_files"


def upload_root() -> Path:
    """The folder of the team files (created on first use)."""
    root = Path(current_app.config["UPLOAD_FOLDER"]) / SUBFOLDER
    root.mkdir(parents=True, exist_ok=True)
    return root


def new_stored_name() -> str:
    """A random name (128 bits, hex): nothing of the user's file name reaches the disk."""
    return secrets.token_hex(16)


def team_file_path(team_file: TeamFile) -> Path:
    """The file's bytes on disk (for downloads and the booklet)."""
    name = team_file.stored_name
    if not name or not all(c in "0123456789abcdef" for c in name):
        raise ValueError("invalid stored name")
    return upload_root() / name


def write_bytes(stored_name: str, data: bytes) -> Path:
    """Write a new file exclusively (never overwrites)."""
    path = upload_root() / stored_name
    with open(path, "xb") as fh:
        fh.write(data)
    return path


def remove_quietly(path: Path) -> None:
    """Delete a stored file; a file already gone is fine."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
