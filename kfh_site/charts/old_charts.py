"""Figures -> chart specs: the geometry of an SVG bar chart, its text alternative and
the rows of the data table printed beside it.

Charts here are plain horizontal bars with the value written beside each bar and the
category written above it, so that no chart depends on colour, hover or script. The
markup lives in templates/_charts.html; this module only measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from kfh_site import formatting as fmt
from kfh_site.metrics import STATUSES, AreaFigures, Policy

WIDTH = 560
LABEL_CHARS = 64       # longer names are shortened in the chart; the table has them whole
LEFT = 4
RIGHT = 140            # room for the value text after the longest bar
ROW = 48               # label line + bar + gap
BAR = 20
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    css_class: str
    y: float
    width: float
    label_y: float
    value_x: float


@dataclass(frozen=True)
class Reference:
    label: str
    x: float
    label_y: float


@dataclass(frozen=True)
class BarChart:
    """Everything a template needs to draw one chart and its table."""

    id: str
    title: str
    description: str
    width: int
    height: int
    left: int
    bars: tuple[Bar, ...]
    references: tuple[Reference, ...]
    table_caption: str
    table_head: tuple[str, ...]
    table_rows: tuple[tuple[str, ...], ...]
    numeric_columns: tuple[int, ...] = (1,)
    bar_height: int = BAR


def _bars(items: Sequence[tuple[str, float | None, str, str]], scale_max: float,
          top: float) -> tuple[Bar, ...]:
    span = WIDTH - LEFT - RIGHT
    bars = []
    for i, (label, value, text, css) in enumerate(items):
        y = top + i * ROW + 18
        width = 0.0 if value is None or scale_max <= 0 else max(2.0, span * value / scale_max)
        if len(label) > LABEL_CHARS:
            label = label[: LABEL_CHARS - 1].rstrip() + "\u2026"
        bars.append(Bar(label, text, css, y, round(width, 1), y - 5, round(LEFT + width + 6, 1)))
    return tuple(bars)


def status_chart(area: AreaFigures, chart_id: str) -> BarChart:
    """Organisations by status: how many meet the recommendation, and so on."""
    counts = area.status_counts
    total = sum(counts.values())
    items = [
        (fmt.status_label(s), counts[s], _count_with_share(counts[s], total), f"bar-{s}")
        for s in STATUSES
    ]
    peak = max([c for c in counts.values()] + [1])
    parts = "; ".join(f"{fmt.status_label(s)}: {fmt.count(counts[s])}" for s in STATUSES)
    return BarChart(
        id=chart_id,
        title=f"Organisations by status, {area.name}, {area.year}",
        description=f"Bar chart of {fmt.count(total)} organisations by staff ratio status. {parts}.",
        width=WIDTH,
        height=TOP + len(items) * ROW,
        left=LEFT,
        bars=_bars(items, peak, TOP),
        references=(),
        table_caption=f"Organisations by status, {area.name}, {area.year}",
        table_head=("Status", "Organisations", "Share"),
        table_rows=tuple(
            (fmt.status_label(s), fmt.count(counts[s]), fmt.share(counts[s], total)) for s in STATUSES
        ),
        numeric_columns=(1, 2),
    )


def ratio_chart(entries: Sequence[tuple[str, float | None, str]], policy: Policy,
                chart_id: str, subject: str, year: str) -> BarChart:
    """NHS staff per qualified member of staff, against the policy's two lines.

    ``entries`` are (name, staff_per_qualified, status). Shorter bars are better.
    """
    values = [v for _, v, _ in entries if v is not None]
    scale_max = max(values + [policy.baseline_ratio]) * 1.12
    top = TOP + 22  # room for the reference line labels
    items = [(name, value, fmt.ratio(value), f"bar-{status}") for name, value, status in entries]
    bars = _bars(items, scale_max, top)
    span = WIDTH - LEFT - RIGHT
    references = (
        Reference(f"Recommended {fmt.ratio(policy.recommended_ratio)}",
                  round(LEFT + span * policy.recommended_ratio / scale_max, 1), TOP + 4),
        Reference(f"2019 average {fmt.ratio(policy.baseline_ratio)}",
                  round(LEFT + span * policy.baseline_ratio / scale_max, 1), TOP + 18),
    )
    parts = "; ".join(f"{name}: {fmt.ratio(value)}" for name, value, _ in entries)
    return BarChart(
        id=chart_id,
        title=f"NHS staff per qualified library and knowledge specialist, {subject}, {year}",
        description=(
            f"Bar chart comparing staff ratios; shorter bars are better. {parts}. "
            f"The recommended ratio is {fmt.ratio(policy.recommended_ratio)} and the 2019 "
            f"average was {fmt.ratio(policy.baseline_ratio)}."
        ),
        width=WIDTH,
        height=top + len(items) * ROW,
        left=LEFT,
        bars=bars,
        references=references,
        table_caption=f"Staff ratios compared, {year}",
        table_head=("Area", "Staff ratio", "Status"),
        table_rows=tuple((name, fmt.ratio(v), fmt.status_label(s)) for name, v, s in entries),
    )


def _count_with_share(part: int, total: int) -> str:
    return f"{fmt.count(part)} ({fmt.share(part, total)})"
