"""The four 場面 and the eight groupwork steps, verbatim (seed-spec Appendix A; pure)."""

from __future__ import annotations

# (number, label, 資料２ form label)
SCENES: list[tuple[int, str, str]] = [
    (1, "日常の療養支援", "① 日常の療養支援"),
    (2, "入退院支援", "②入退院支援"),
    (3, "急変時の対応", "③急変時の対応"),
    (4, "看取り", "④看取り"),
]
SCENE_LABELS: dict[int, str] = {no: label for no, label, _ in SCENES}
SCENE_FORM_LABELS: dict[int, str] = {no: form for no, _, form in SCENES}

GROUPWORK_STEPS: list[str] = [
    "（１）選択したテーマにおけるめざすべき姿（目的）を検討",
    "（２）めざすべき姿（目的）に対する現状を検討",
    "（３）めざすべき姿（目的）と現状の乖離を検討",
    "（４）めざすべき姿（目的）と現状が乖離している原因（課題）を検討",
    "（５）（４）の課題を解決するための短期目標及び長期目標を検討",
    "（６）（４）の課題を解決するために実施すべき事項を検討",
    "（７）（５）を図るための指標を検討",
    "（８）検討に係るまとめの共有等",
]
