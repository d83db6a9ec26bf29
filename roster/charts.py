"""Small server-side charts as inline SVG. Pure: values in, markup out (no Flask, no database).

Every chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>`` (screen readers read
those; the page puts the numbers in a data table under the chart as well). Colours and fonts are
presentation attributes, not ``style``, because the site's Content-Security-Policy refuses inline styles.
Charts are drawn 420 units wide at their natural size in pixels: on a phone the stylesheet's
``max-width: 100%`` shrinks them a little (text stays about 10 px), on a desktop they do not grow.
An empty series draws a short "no data" message instead of an empty frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "system-ui, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
INK, MUTED, GRID = "#1f2933", "#52606d", "#d9e2ec"
PALETTE = ("#0b5cad", "#2f9e6f", "#d9822b", "#7b5ea7", "#c23b3b", "#3a8fb7", "#8d6e3f", "#5c6f82")
WIDTH = 420
LABEL_W = 112  # room for eight Chinese characters at 13 px
VALUE_W = 52  # room for the value after the longest bar
ROW_H = 24
MAX_LABEL_CHARS = 8


@dataclass(frozen=True)
class Series:
    """One coloured part of a stacked bar: ``values`` line up with the chart's categories."""

    name: str
    values: Sequence[int]
    colour: str = ""


def _e(text: object) -> str:
    """Escaped as plain ``str``: a ``Markup`` in a concatenation would escape the SVG tags around it."""
    return str(escape(text))


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[:MAX_LABEL_CHARS - 1] + "…"


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'font-family="{_e(FONT)}" font-size="13" fill="{INK}">',
            f'<title id="{chart_id}-title">{_e(title)}</title>',
            f'<desc id="{chart_id}-desc">{_e(desc)}</desc>']


def _empty(chart_id: str, title: str, desc: str, message: str) -> Markup:
    parts = _open(chart_id, title, desc, 60)
    parts.append(f'<text x="{WIDTH // 2}" y="35" text-anchor="middle" fill="{MUTED}">{_e(message)}</text></svg>')
    return Markup("".join(parts))  # noqa: S704 - every text above went through _e()


def _scale(peak: float) -> float:
    """A round axis maximum at or above ``peak`` (1, 2, 2.5 or 5 times a power of ten)."""
    if peak <= 0:
        return 1
    power = 10 ** (len(str(int(peak))) - 1)
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= peak)


def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[tuple[str, float]], *, empty: str,
              max_value: float | None = None, fmt: Callable[[float], str] = lambda v: f"{v:,.0f}") -> Markup:
    """Horizontal bars, one per (label, value), in the order given; ``max_value`` fixes the axis (100 for %)."""
    if not bars:
        return _empty(chart_id, title, desc, empty)
    top = max_value or _scale(max(v for _, v in bars))
    span = WIDTH - LABEL_W - VALUE_W
    parts = _open(chart_id, title, desc, len(bars) * ROW_H + 10)
    for i, (label, value) in enumerate(bars):
        y = 5 + i * ROW_H
        length = 0 if top <= 0 else max(0.0, min(1.0, value / top)) * span
        parts.append(f'<g><title>{_e(label)}：{_e(fmt(value))}</title>'
                     f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">{_e(_short(label))}</text>'
                     f'<rect x="{LABEL_W}" y="{y + 4}" width="{span:.1f}" height="{ROW_H - 8}" fill="#f0f4f8"/>'
                     f'<rect x="{LABEL_W}" y="{y + 4}" width="{length:.1f}" height="{ROW_H - 8}" '
                     f'fill="{PALETTE[0]}"/>'
                     f'<text x="{LABEL_W + length + 6:.1f}" y="{y + 17}">{_e(fmt(value))}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through _e()


def _legend(series: Sequence[Series]) -> tuple[list[str], int]:
    """Legend swatches left to right, wrapping onto a new line when the next would not fit; and its height."""
    parts, x, y = [], 4.0, 4
    for n, s in enumerate(series):
        width = 24 + 13 * len(s.name)
        if x + width > WIDTH and x > 4:
            x, y = 4.0, y + 20
        colour = s.colour or PALETTE[n % len(PALETTE)]
        parts.append(f'<rect x="{x:.0f}" y="{y + 2}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 17:.0f}" y="{y + 13}">{_e(s.name)}</text>')
        x += width + 10
    return parts, y + 26


def stacked_bar_chart(chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series],
                      *, empty: str) -> Markup:
    """Horizontal bars per category, split into the series' parts, with a legend above; totals at the end."""
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    if not categories or not any(totals):
        return _empty(chart_id, title, desc, empty)
    top = _scale(max(totals))
    span = WIDTH - LABEL_W - VALUE_W
    legend, legend_h = _legend(series)
    parts = _open(chart_id, title, desc, legend_h + len(categories) * ROW_H + 10)
    parts += legend
    for i, category in enumerate(categories):
        y = legend_h + i * ROW_H
        parts.append(f'<g><title>{_e(category)}：'
                     + _e("，".join(f"{s.name} {s.values[i]:,}" for s in series)) + "</title>"
                     f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">{_e(_short(category))}</text>')
        start = float(LABEL_W)
        for n, s in enumerate(series):
            length = s.values[i] / top * span
            if length > 0:
                parts.append(f'<rect x="{start:.1f}" y="{y + 4}" width="{length:.1f}" height="{ROW_H - 8}" '
                             f'fill="{s.colour or PALETTE[n % len(PALETTE)]}"/>')
            start += length
        parts.append(f'<text x="{start + 6:.1f}" y="{y + 17}">{totals[i]:,}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through _e()


def column_chart(chart_id: str, title: str, desc: str, columns: Sequence[tuple[str, float]], *,
                 empty: str) -> Markup:
    """Vertical columns in order (months along the bottom), value above each, light grid lines behind; a label
    may hold a second line after "\\n" (the year under January)."""
    if not columns or not any(v for _, v in columns):
        return _empty(chart_id, title, desc, empty)
    height, top_pad, bottom = 220, 20, 40
    plot_h = height - top_pad - bottom
    left, right = 40, 6
    step = (WIDTH - left - right) / len(columns)
    top = 4 * _scale(max(v for _, v in columns) / 4)  # four grid steps of a round size, at least 1 (counts)
    parts = _open(chart_id, title, desc, height)
    for k in range(5):
        y = top_pad + plot_h * k / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}" font-size="11">'
                     f'{top * (4 - k) / 4:,.0f}</text>')
    for i, (label, value) in enumerate(columns):
        h = value / top * plot_h
        x = left + i * step
        parts.append(f'<g><title>{_e(label.replace(chr(10), " "))}：{value:,.0f}</title>'
                     f'<rect x="{x + step * 0.15:.1f}" y="{top_pad + plot_h - h:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{h:.1f}" fill="{PALETTE[0]}"/>'
                     f'<text x="{x + step / 2:.1f}" y="{top_pad + plot_h - h - 5:.1f}" text-anchor="middle" '
                     f'font-size="11">{value:,.0f}</text>'
                     f'<text x="{x + step / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">'
                     + "".join(f'<tspan x="{x + step / 2:.1f}" dy="{0 if k == 0 else 13}">{_e(line)}</tspan>'
                               for k, line in enumerate(label.split("\n"))) + "</text></g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through _e()
