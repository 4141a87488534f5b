"""A self-contained HTML report: console lines, charts as inline SVG, and the tables' heads.

Nothing is fetched: no script, no font, no stylesheet from elsewhere; every chart is an SVG
element written here, so the file opens offline and prints as it shows.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

WIDTH = 760
BAR_HEIGHT = 16
PALETTE = ("#1f6fb2", "#d9822b", "#2e9e5b", "#b23a48", "#7a5cc2", "#6b6b6b")
TABLE_ROWS = 40


@dataclass(frozen=True)
class Chart:
    """A bar chart (categories down the side) or a line chart (x values along the bottom)."""

    title: str
    labels: list[str]
    series: dict[str, list[float]]
    kind: str = "bar"
    unit: str = ""
    marks: dict[str, float] = field(default_factory=dict)
    """Reference lines (name -> value), e.g. an early-warning threshold."""


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def bar_svg(chart: Chart) -> str:
    """Horizontal bars, one group per label, one bar per series."""
    names = list(chart.series)
    values = [v for s in chart.series.values() for v in s if v == v]
    low, high = min([0.0, *values]), max([0.0, *values, *chart.marks.values()]) or 1.0
    left, right = 170, 90
    span = WIDTH - left - right
    group = BAR_HEIGHT * len(names) + 6
    height = 30 + group * len(chart.labels) + 20 * len(names)

    def x(value: float) -> float:
        return left + (value - low) / ((high - low) or 1.0) * span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img">'
    ]
    parts.append(
        f'<line x1="{x(0):.1f}" y1="20" x2="{x(0):.1f}" '
        f'y2="{height - 20 * len(names)}" stroke="#999"/>'
    )
    for i, label in enumerate(chart.labels):
        top = 24 + i * group
        parts.append(
            f'<text x="{left - 6}" y="{top + BAR_HEIGHT - 3}" text-anchor="end" font-size="12">'
            f"{html.escape(label)}</text>"
        )
        for j, name in enumerate(names):
            value = chart.series[name][i]
            if value != value:  # NaN: no bar
                continue
            start, end = sorted((x(0), x(value)))
            y = top + j * BAR_HEIGHT
            parts.append(
                f'<rect x="{start:.1f}" y="{y}" width="{max(end - start, 0.5):.1f}" '
                f'height="{BAR_HEIGHT - 2}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{html.escape(name)} {html.escape(label)}: {_number(value)}</title></rect>"
            )
            parts.append(
                f'<text x="{end + 4:.1f}" y="{y + BAR_HEIGHT - 4}" font-size="11">'
                f"{_number(value)}</text>"
            )
    for name, value in chart.marks.items():
        parts.append(
            f'<line x1="{x(value):.1f}" y1="20" x2="{x(value):.1f}" '
            f'y2="{height - 20 * len(names)}" stroke="#b23a48" stroke-dasharray="4 3"/>'
            f'<text x="{x(value) + 3:.1f}" y="16" font-size="11" fill="#b23a48">'
            f"{html.escape(name)}</text>"
        )
    parts.extend(_legend(names, height - 20 * len(names) + 4))
    parts.append("</svg>")
    return "".join(parts)


def line_svg(chart: Chart) -> str:
    """One polyline per series over the labels (years) as x."""
    names = list(chart.series)
    values = [v for s in chart.series.values() for v in s if v == v]
    marks = list(chart.marks.values())
    low, high = min([*values, *marks, 0.0]), max([*values, *marks, 1.0])
    left, top, plot_h = 70, 20, 260
    span = WIDTH - left - 30
    height = top + plot_h + 40 + 20 * len(names)
    count = max(len(chart.labels) - 1, 1)

    def point(i: int, value: float) -> str:
        y = top + plot_h - (value - low) / ((high - low) or 1.0) * plot_h
        return f"{left + i / count * span:.1f},{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img">'
    ]
    parts.append(
        f'<rect x="{left}" y="{top}" width="{span}" height="{plot_h}" fill="none" stroke="#ccc"/>'
    )
    for value in (low, (low + high) / 2, high):
        y = point(0, value).split(",")[1]
        parts.append(
            f'<text x="{left - 4}" y="{y}" text-anchor="end" font-size="11">{_number(value)}</text>'
        )
    step = max(1, len(chart.labels) // 10)
    for i in range(0, len(chart.labels), step):
        x = point(i, low).split(",")[0]
        parts.append(
            f'<text x="{x}" y="{top + plot_h + 14}" text-anchor="middle" font-size="11">'
            f"{html.escape(chart.labels[i])}</text>"
        )
    for j, name in enumerate(names):
        points = " ".join(point(i, v) for i, v in enumerate(chart.series[name]) if v == v)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{PALETTE[j % len(PALETTE)]}" '
            f'stroke-width="2"><title>{html.escape(name)}</title></polyline>'
        )
    for name, value in chart.marks.items():
        y = point(0, value).split(",")[1]
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{left + span}" y2="{y}" stroke="#b23a48" '
            f'stroke-dasharray="4 3"/><text x="{left + 4}" y="{float(y) - 3:.1f}" '
            f'font-size="11" fill="#b23a48">{html.escape(name)}</text>'
        )
    parts.extend(_legend(names, top + plot_h + 24))
    parts.append("</svg>")
    return "".join(parts)


def _legend(names: list[str], top: float) -> list[str]:
    return [
        f'<rect x="20" y="{top + 20 * j}" width="12" height="12" '
        f'fill="{PALETTE[j % len(PALETTE)]}"/>'
        f'<text x="38" y="{top + 20 * j + 11}" font-size="12">{html.escape(name)}</text>'
        for j, name in enumerate(names)
    ]


def table_html(name: str, table: pl.DataFrame) -> str:
    head = table.head(TABLE_ROWS)
    cells = "".join(f"<th>{html.escape(c)}</th>" for c in head.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in head.iter_rows()
    )
    more = (
        f"<p>{table.height:,} rows; the first {TABLE_ROWS} shown.</p>"
        if table.height > TABLE_ROWS
        else ""
    )
    return f"<h3>{html.escape(name)}</h3><table><tr>{cells}</tr>{rows}</table>{more}"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return _number(value)
    return "" if value is None else str(value)


STYLE = (
    "body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;margin:2em;max-width:1100px}"
    "table{border-collapse:collapse;font-size:12px;margin-bottom:1em}"
    "td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}"
    "pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}"
)


def write_report(
    path: Path,
    *,
    title: str,
    summary: str,
    lines: list[str],
    charts: list[Chart],
    tables: dict[str, pl.DataFrame],
) -> None:
    figures = "".join(
        f"<figure><figcaption><b>{html.escape(c.title)}</b>"
        f"{' (' + html.escape(c.unit) + ')' if c.unit else ''}</figcaption>"
        f"{bar_svg(c) if c.kind == 'bar' else line_svg(c)}</figure>"
        for c in charts
    )
    body = (
        f"<h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p>"
        f"<h2>摘要 / Summary</h2><pre>{html.escape(chr(10).join(lines))}</pre>"
        f"<h2>图表 / Charts</h2>{figures}"
        f"<h2>数据表 / Tables</h2>" + "".join(table_html(name, t) for name, t in tables.items())
    )
    path.write_text(
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n",
        encoding="utf-8",
    )
