"""Areas compared: a dot for each region's staff ratio, sorted best first, England as a
line, the policy's reference lines labelled in lanes of their own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kfh_site import formatting as fmt
from kfh_site.charts.canvas import NARROW, WIDE, Box, Canvas, Frame, Layout, Place, dots_path, spaced_width, wrap
from kfh_site.metrics import Policy
from kfh_site.palette import Palette


@dataclass(frozen=True)
class Entry:
    name: str
    ratio: float | None
    highlight: bool = False


def compare_layouts(entries: Sequence[Entry], england: float | None, policy: Policy,
                    palette: Palette) -> tuple[Layout, Layout]:
    return (_layout(WIDE, entries, england, policy, palette),
            _layout(NARROW, entries, england, policy, palette))


def _axis_range(entries: Sequence[Entry], england: float | None, policy: Policy) -> tuple[float, float, int]:
    values = [e.ratio for e in entries if e.ratio is not None] + ([england] if england else [])
    low = min([policy.recommended_ratio, *values])
    high = max([policy.baseline_ratio, *values])
    step = 250 if high - low <= 1500 else 500 if high - low <= 4000 else 1000
    return math.floor(low / step) * step - step, math.ceil(high / step) * step, step


def _layout(frame: Frame, entries: Sequence[Entry], england: float | None, policy: Policy,
            palette: Palette) -> Layout:
    canvas = Canvas(frame, palette)
    size, small = frame.text, frame.small
    low, high, step = _axis_range(entries, england, policy)
    wide = frame is WIDE
    values_text = [fmt.ratio(e.ratio) if e.ratio is not None else "no qualified staff" for e in entries]
    if wide:
        left = min(200.0, max(spaced_width(e.name, size, e.highlight) for e in entries) + 10)
        right = max(spaced_width(t, size, True) for t in values_text) + 10
        x0, x1 = left + 6, frame.width - right - 10
    else:
        x0, x1 = 8.0, frame.width - 24

    def x(value: float) -> float:
        return x0 + (x1 - x0) * (min(max(value, low), high) - low) / (high - low)

    references = [(policy.recommended_ratio, "ref-recommended", f"Recommended {fmt.ratio(policy.recommended_ratio)}"),
                  (policy.baseline_ratio, "ref-baseline", f"2019 average {fmt.ratio(policy.baseline_ratio)}")]
    if england is not None:
        references.append((england, "ref-england", f"England {fmt.ratio(england)}"))
    lane = size + 4
    for value, _, text in sorted(references):
        places = [Place(x(value) + 5, size + k * lane) for k in range(4)]
        places += [Place(x(value) - 5, size + k * lane, "end") for k in range(4)]
        canvas.label(text, places, "label", size)
    top = canvas.bottom + 6
    rows: list[float] = []
    y = top
    ordered = sorted(zip(entries, values_text, strict=True),
                     key=lambda e: (e[0].ratio is None, e[0].ratio or 0, e[0].name))
    for entry, value_text in ordered:
        role = "label-this" if entry.highlight else "label"
        if wide:
            names = wrap(entry.name, left, size, entry.highlight)
            height = max(28.0, len(names) * (size + 3) + 10)
            for i, text in enumerate(names):
                canvas.text(0, y + 19 + i * (size + 3), text, role, bold=entry.highlight)
            canvas.text(frame.width, y + 19, value_text, role, "end", bold=True)
            rows.append(y + 14)
            y += height
        else:
            baseline = y + size + 2
            for text in wrap(f"{entry.name}: {value_text}", frame.width, size, entry.highlight):
                canvas.text(0, baseline, text, role, bold=entry.highlight)
                baseline += size + 3
            rows.append(baseline + 6)
            y = baseline + 16
    for value, role, _ in references:
        if wide:
            canvas.line(x(value), top - 4, x(value), y, role)
        else:
            for centre in rows:
                canvas.line(x(value), centre - 9, x(value), centre + 9, role)
    for (entry, _), centre in zip(ordered, rows, strict=True):
        if entry.ratio is None:
            continue
        spot = dots_path([(x(entry.ratio), centre)])
        bounds = Box(x(entry.ratio) - 9, centre - 9, x(entry.ratio) + 9, centre + 9)
        canvas.path(spot, "halo", bounds)
        canvas.path(spot, "this-dot" if entry.highlight else "others-large", bounds)
    _axis(canvas, x, low, high, step, y + 4, frame)
    return canvas.layout()


def _axis(canvas: Canvas, x: Callable[[float], float], low: float, high: float, step: int, y: float,
          frame: Frame) -> None:
    size = frame.small
    canvas.line(x(low), y, x(high), y, "axis")
    every = 1
    while spaced_width(fmt.count(high), size) + 8 > (x(low + step * every) - x(low)):
        every += 1
    value = low
    while value <= high:
        canvas.line(x(value), y, x(value), y + 4, "axis")
        if round((value - low) / step) % every == 0:
            canvas.label(fmt.count(value), [Place(x(value), y + 6 + size, "middle")], "label-muted", size)
        value += step
    canvas.label("\u2190 better: fewer NHS staff per qualified WTE", [Place(0, canvas.bottom + size + 6)],
                 "label-muted", size)
