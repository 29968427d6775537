"""Charts of the report drawn on the server (pure: no Flask, no browser library).

One layout (rectangles and texts) is rendered two ways: as inline SVG for the console and the
PDF, and as PNG with Pillow and the Noto CJK font for the Excel report. 100% stacked horizontal
bars keep the order of the scale with the legend below; labels carry the n (「行政説明（老健局）
（n=…）」).
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from PIL import Image, ImageDraw, ImageFont

from app.surveys.tabulation import Chart

FONT_FAMILY = "Noto Sans CJK JP"
FONT_FILES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
]
# From the best to the worst level of a scale (5 levels), then a single-series colour.
SCALE_COLOURS = ["#1f4e79", "#5b9bd5", "#bfbfbf", "#f4b183", "#c55a11"]
TIME_COLOURS = ["#c55a11", "#f4b183", "#70ad47", "#9dc3e6", "#1f4e79"]
BAR_COLOUR = "#2e75b6"
WIDTH = 820
LABEL_WIDTH = 330
CHARS_PER_LINE = 21
LINE_HEIGHT = 15
FONT_SIZE = 12


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass
class Text:
    x: float
    y: float
    text: str
    size: int = FONT_SIZE
    anchor: str = "start"  # start | middle | end; y is the vertical centre
    fill: str = "#222222"
    bold: bool = False


# Japanese line-breaking rules (JIS X 4051 禁則): characters that never start a line (closing
# brackets, punctuation, the middle dot, small kana, the long vowel mark) and characters that
# never end one (opening brackets).
NO_LINE_START = set(
    "）)」』】〕〉》］]｝}’”、。，,．.・：:；;？?！!‐ー…‥々ゝゞヽヾ"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ%％"
)
NO_LINE_END = set("（(「『【〔〈《［[｛{‘“")
# Kept whole on one line: the n of a label 「（n=1,234）」, and runs of Latin letters and digits.
_UNBREAKABLE = re.compile(r"[（(]n=[0-9,]+[）)]|[A-Za-z0-9][A-Za-z0-9.,=/+-]*")


def text_width(text: str) -> float:
    """Width in full-width characters: 1 for CJK (wide, full-width), 0.55 for the others."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.55 for c in text)


def _units(text: str) -> list[str]:
    """The text cut where a line may break: an unbreakable run is one unit, a closing character
    joins the unit before it and an opening one the unit after it."""
    pieces: list[str] = []
    pos = 0
    for m in _UNBREAKABLE.finditer(text):
        pieces += list(text[pos : m.start()])
        pieces.append(m.group())
        pos = m.end()
    pieces += list(text[pos:])
    units: list[str] = []
    glue_next = False
    for piece in pieces:
        if units and (glue_next or piece[0] in NO_LINE_START):
            units[-1] += piece
        else:
            units.append(piece)
        glue_next = piece[-1] in NO_LINE_END
    return units


def wrap_label(label: str, width: float = CHARS_PER_LINE) -> list[str]:
    """A chart label in lines of at most ``width`` full-width characters, broken by the Japanese
    rules: no line starts with a closing bracket or punctuation (）」』】、。・ …), none ends with
    an opening bracket, 「（n=…）」 and Latin words stay whole. A unit longer than a line (rare)
    is cut by characters, still never before a closing character."""
    lines: list[str] = []
    line = ""
    for unit in _units(label):
        if line and text_width(line + unit) > width:
            lines.append(line)
            line = ""
        while text_width(unit) > width:  # longer than a line by itself
            cut = _cut(unit, width)
            lines.append(unit[:cut])
            unit = unit[cut:]
        line += unit
    if line or not lines:
        lines.append(line)
    return lines


def _cut(unit: str, width: float) -> int:
    """Where to cut an over-long unit: the last fitting position that starts no line with a
    closing character and ends none with an opening one (at least one character)."""
    fit = 1
    while fit < len(unit) and text_width(unit[: fit + 1]) <= width:
        fit += 1
    for cut in range(fit, 0, -1):
        if unit[cut] not in NO_LINE_START and unit[cut - 1] not in NO_LINE_END:
            return cut
    return fit


def layout(chart: Chart) -> tuple[int, int, list]:
    """(width, height, shapes) of a chart."""
    shapes: list = [Text(10, 16, chart.title, 14, bold=True)]
    y = 36.0
    bar_x, bar_w = LABEL_WIDTH + 10, WIDTH - LABEL_WIDTH - 60
    stacked = chart.kind == "stacked"
    colours = TIME_COLOURS if stacked and chart.series[2] == "適切" else SCALE_COLOURS
    top = max((v[0] for v in chart.values), default=0.0) if not stacked else 100.0
    scale = 100.0 if stacked else max(top, 1.0)
    for label, values in zip(chart.labels, chart.values, strict=True):
        lines = wrap_label(label)
        row_h = max(24.0, LINE_HEIGHT * len(lines) + 8)
        for i, line in enumerate(lines):
            ly = y + row_h / 2 + (i - (len(lines) - 1) / 2) * LINE_HEIGHT
            shapes.append(Text(LABEL_WIDTH, ly, line, anchor="end"))
        bar_y, bar_h = y + 4, row_h - 8
        if stacked:
            x = float(bar_x)
            for k, value in enumerate(values):
                w = bar_w * value / 100.0
                if w > 0:
                    shapes.append(Rect(x, bar_y, w, bar_h, colours[k % len(colours)]))
                    if value >= 6:
                        light = colours[k % len(colours)] in ("#1f4e79", "#c55a11", "#2e75b6")
                        shapes.append(
                            Text(
                                x + w / 2,
                                y + row_h / 2,
                                f"{value:.1f}",
                                11,
                                "middle",
                                "#ffffff" if light else "#222222",
                            )
                        )
                x += w
        else:
            value = values[0]
            w = bar_w * value / scale
            if w > 0:
                shapes.append(Rect(bar_x, bar_y, w, bar_h, BAR_COLOUR))
            shapes.append(Text(bar_x + w + 4, y + row_h / 2, f"{value:.1f}%", 11))
        y += row_h
    if stacked:
        y += 10
        x = float(bar_x)
        for k, name in enumerate(chart.series):
            shapes.append(Rect(x, y, 12, 12, colours[k % len(colours)]))
            shapes.append(Text(x + 16, y + 6, name, 11))
            x += 24 + 12 * len(name)
            if x > WIDTH - 80 and k < len(chart.series) - 1:
                x, y = float(bar_x), y + 18
        y += 22
        shapes.append(Text(bar_x, y, "（%）", 10, fill="#555555"))
        y += 10
    return WIDTH, int(y + 10), shapes


def chart_svg(chart: Chart) -> str:
    """The chart as an inline SVG element (text stays text: searchable, sharp in print)."""
    width, height, shapes = layout(chart)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(chart.title)}" '
        f"font-family=\"'{FONT_FAMILY}', sans-serif\">",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for s in shapes:
        if isinstance(s, Rect):
            out.append(
                f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" '
                f'fill="{s.fill}"/>'
            )
        else:
            weight = ' font-weight="bold"' if s.bold else ""
            out.append(
                f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}" text-anchor="{s.anchor}" '
                f'dominant-baseline="central" fill="{s.fill}"{weight}>{escape(s.text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONT_FILES:
        if os.path.exists(path):
            return ImageFont.truetype(path, size, index=0)
    raise FileNotFoundError("Noto Sans CJK (fonts-noto-cjk) is not installed")


def chart_png(chart: Chart, scale: float = 2.0) -> bytes:
    """The chart as PNG (for Excel), drawn with Pillow and the Japanese Noto font."""
    width, height, shapes = layout(chart)
    image = Image.new("RGB", (int(width * scale), int(height * scale)), "#ffffff")
    draw = ImageDraw.Draw(image)
    anchors = {"start": "lm", "middle": "mm", "end": "rm"}
    for s in shapes:
        if isinstance(s, Rect):
            if s.w * scale < 1:
                continue
            draw.rectangle(
                [s.x * scale, s.y * scale, (s.x + s.w) * scale - 1, (s.y + s.h) * scale - 1],
                fill=s.fill,
            )
        else:
            draw.text(
                (s.x * scale, s.y * scale),
                s.text,
                font=_font(int(s.size * scale)),
                fill=s.fill,
                anchor=anchors[s.anchor],
                stroke_width=1 if s.bold else 0,
                stroke_fill=s.fill,
            )
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
