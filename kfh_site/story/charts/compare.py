"""Areas compared: a dot for each region's staff ratio, sorted best first, England as a
line, the policy's reference lines labelled in lanes of their own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kfh_site.domain import Policy
from kfh_site.story import formatting as fmt
from kfh_site.story.charts.canvas import (
    NARROW,
    WIDE,
    Box,
    Canvas,
    Frame,
    Layout,
    Place,
    dots_path,
    line_gap,
    on_axis,
    spaced_width,
    tick_step,
    wrap,
)
from kfh_site.story.palette import Palette


@dataclass(frozen=True)
class Entry:
    """One area in the comparison: its name, its ratio, whether it is the page's own."""
    name: str
    ratio: float | None
    highlight: bool = False


def compare_layouts(entries: Sequence[Entry], england: float | None, policy: Policy,
                    palette: Palette) -> tuple[Layout, Layout]:
    """The areas' ratios on one axis with the reference lines, for the wide and the narrow frame."""
    return (_layout(WIDE, entries, england, policy, palette),
            _layout(NARROW, entries, england, policy, palette))


def _axis_range(entries: Sequence[Entry], england: float | None, policy: Policy) -> tuple[float, float, int]:
    values = [e.ratio for e in entries if e.ratio is not None] + ([england] if england else [])
    low = on_axis(min([policy.recommended_ratio, *values]))
    high = on_axis(max([policy.baseline_ratio, *values]))
    step = tick_step(high - low, ((1500, 250), (4000, 500), (10000, 1000)))
    # A step of room at each end, so the reference lines' labels fit beside them.
    return math.floor(low / step) * step - step, math.ceil(high / step) * step + step, step


def _layout(frame: Frame, entries: Sequence[Entry], england: float | None, policy: Policy,
            palette: Palette) -> Layout:
    """Names on the left, a dot per area on a shared axis, the reference lines through
    every row. The wide frame writes each ratio in a column on the right and labels the
    lines in full; the narrow one leaves the ratios to the table and keys the lines."""
    canvas = Canvas(frame, palette)
    size = frame.text
    wide = frame is WIDE
    low, high, step = _axis_range(entries, england, policy)
    values_text = [fmt.ratio(e.ratio) if e.ratio is not None else "no qualified staff" for e in entries]
    if wide:
        left = min(200.0, max(spaced_width(e.name, size, e.highlight) for e in entries) + 10)
        right = max(spaced_width(t, size, True) for t in values_text) + 10
        x0, x1 = left + 10, frame.width - right - 12
    else:
        left = 128.0
        x0, x1 = left + 12, frame.width - 22

    def x(value: float) -> float:
        return x0 + (x1 - x0) * (min(max(value, low), high) - low) / (high - low)

    references = _references(policy, england)
    lane = line_gap(size)
    for value, _, long_text, short_text, _ in sorted(references):
        text = long_text if wide else short_text
        places = [Place(x(value) + 5, size + k * lane) for k in range(4)]
        places += [Place(x(value) - 5, size + k * lane, "end") for k in range(4)]
        canvas.label(text, places, "label", size)
    top = canvas.bottom + 6
    ordered = sorted(zip(entries, values_text, strict=True),
                     key=lambda e: (e[0].ratio is None, e[0].ratio or 0, e[0].name))
    rows, y = _name_rows(canvas, ordered, left, top, frame)
    for value, role, *_ in references:
        canvas.line(x(value), top - 4, x(value), y, role)
    for (entry, _), centre in zip(ordered, rows, strict=True):
        if entry.ratio is None:
            continue
        spot = dots_path([(x(entry.ratio), centre)])
        bounds = Box(x(entry.ratio) - 9, centre - 9, x(entry.ratio) + 9, centre + 9)
        canvas.path(spot, "halo", bounds)
        canvas.path(spot, "this-dot" if entry.highlight else "others-large", bounds)
    _axis(canvas, x, low, high, step, y + 4, frame)
    key: list[tuple[str, str | None]] = [("\u2190 lower is better", None)]
    if not wide:
        key += [(text, role) for _, role, _, _, text in references]
    canvas.legend(key, frame.small)
    return canvas.layout()


def _references(policy: Policy, england: float | None) -> list[tuple[float, str, str, str, str]]:
    """The reference lines: (value, role, label in the wide frame, label in the narrow
    frame, its key there)."""
    references = [(policy.recommended_ratio, "ref-recommended", f"Recommended {fmt.ratio(policy.recommended_ratio)}",
                   fmt.count(policy.recommended_ratio), "recommended"),
                  (policy.baseline_ratio, "ref-baseline", f"2019 average {fmt.ratio(policy.baseline_ratio)}",
                   fmt.count(policy.baseline_ratio), "2019 average")]
    if england is not None:
        references.append((england, "ref-england", f"England {fmt.ratio(england)}", "England", "England"))
    return references


def _name_rows(canvas: Canvas, ordered: Sequence[tuple[Entry, str]], left: float, top: float,
               frame: Frame) -> tuple[list[float], float]:
    """Each area's name (wrapped to ``left``) and, in the wide frame, its ratio at the
    right; returns each row's centre and the bottom of the last."""
    size, wide = frame.text, frame is WIDE
    rows: list[float] = []
    y = top
    for entry, value_text in ordered:
        role = "label-this" if entry.highlight else "label"
        lines = wrap(entry.name, left, size, entry.highlight)
        for i, text in enumerate(lines):
            canvas.text(0, y + size + 4 + i * (size + 3), text, role, bold=entry.highlight)
        if wide:
            canvas.text(frame.width, y + size + 4, value_text, role, "end", bold=True)
        height = max(24.0, len(lines) * (size + 3) + 6)
        rows.append(y + min(height, 24.0) / 2 + 1)
        y += height
    return rows, y


def _axis(canvas: Canvas, x: Callable[[float], float], low: float, high: float, step: int, y: float,
          frame: Frame) -> None:
    size = frame.small
    canvas.line(x(low), y, x(high), y, "axis")
    every, ticks = 1, round((high - low) / step)
    while every < ticks and spaced_width(fmt.count(high), size) + 8 > (x(low + step * every) - x(low)):
        every += 1
    value = low
    while value <= high:
        canvas.line(x(value), y, x(value), y + 4, "axis")
        if round((value - low) / step) % every == 0:
            canvas.label(fmt.count(value), [Place(x(value), y + 6 + size, "middle"),
                                            Place(x(value) + 2, y + 6 + size, "end")], "label-muted", size)
        value += step
