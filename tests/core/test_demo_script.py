"""scripts/demo.sh on another port (README: 「PORT=5123 bash scripts/demo.sh」): the links in
the mails and the questionnaire's QR codes point at that port, not at :5000."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "demo.sh"


def _public_base(env: dict[str, str]) -> str:
    """KENSHU_PUBLIC_BASE_URL as the script exports it, its setup steps left out."""
    exports = [line for line in SCRIPT.read_text().splitlines() if line.startswith("export ")]
    script = "\n".join([*exports, 'printf %s "${KENSHU_PUBLIC_BASE_URL:-}"'])
    clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "KENSHU_PUBLIC_BASE_URL")}
    result = subprocess.run(
        ["bash", "-c", script], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_the_demo_links_follow_the_port_it_serves():
    assert _public_base({"PORT": "5123"}) == "http://127.0.0.1:5123"
    assert _public_base({}) == "http://127.0.0.1:5000"


def test_a_public_base_url_set_by_the_operator_is_kept():
    base = {"PORT": "5123", "KENSHU_PUBLIC_BASE_URL": "https://kenshu.example.jp"}
    assert _public_base(base) == "https://kenshu.example.jp"
