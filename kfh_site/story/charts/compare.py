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
    DESCENT,
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
    text_box,
    tick_step,
    wrap,
)
from kfh_site.story.palette import Palette


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
    low = on_axis(min([policy.recommended_ratio, *values]))
    high = on_axis(max([policy.baseline_ratio, *values]))
    step = tick_step(high - low, ((1500, 250), (4000, 500), (10000, 1000)))
    # A step of room at each end, so the reference lines' labels fit beside them.
    return math.floor(low / step) * step - step, math.ceil(high / step) * step + step, step


def _layout(frame: Frame, entries: Sequence[Entry], england: float | None, policy: Policy,
            palette: Palette) -> Layout:
    """Names on the left with each area's ratio written beside them (in a column on the
    right in the wide frame, under the name in the narrow one), a dot per area on a shared
    axis, and the reference lines through every row, each labelled with its value in a
    lane of its own above the rows. No key: every line says what it is."""
    canvas = Canvas(frame, palette)
    size = frame.text
    wide = frame is WIDE
    low, high, step = _axis_range(entries, england, policy)
    values_text = [fmt.ratio(e.ratio) if e.ratio is not None else "no qualified staff" for e in entries]
    right = max(spaced_width(t, size, True) for t in values_text) + 10
    if wide:
        left = min(200.0, max(spaced_width(e.name, size, e.highlight) for e in entries) + 10)
        x0, x1 = left + 10, frame.width - right - 12
    else:
        left = 116.0
        x0, x1 = left + 10, frame.width - right - 10

    def x(value: float) -> float:
        return x0 + (x1 - x0) * ((min(max(on_axis(value), low), high) - low) / (high - low))

    # The reference lines, highest first, each in its own lane: its label to the right of
    # its line where that is clear of the lines already drawn, else to the left.
    # In the narrow frame a label may take two lines (its words, then its ratio).
    references = [(policy.baseline_ratio, "ref-baseline", ["2019 average", fmt.ratio(policy.baseline_ratio)]),
                  (policy.recommended_ratio, "ref-recommended", ["Recommended", fmt.ratio(policy.recommended_ratio)])]
    if england is not None:
        references.append((england, "ref-england", ["England", fmt.ratio(england)]))
    references.sort(key=lambda r: -r[0])
    lane = line_gap(size)
    ordered = sorted(zip(entries, values_text, strict=True),
                     key=lambda e: (e[0].ratio is None, e[0].ratio or 0, e[0].name))
    # Row heights first, so that each line can be drawn from its label down through the rows.
    line_height = size + 3
    row_lines: list[tuple[list[str], list[str]]] = []
    for entry, _ in ordered:
        lines = wrap(entry.name, left, size, entry.highlight)
        row_lines.append((lines, []))
    texts = []
    for value, _, words in references:
        one = " ".join(words)
        fits = any(text_box(px, 0, one, size, anchor).inside(frame.width)
                   for px, anchor in ((x(value) + 5, "start"), (x(value) - 5, "end")))
        texts.append([one] if fits else words)
    # Each label in the first lane (from the top) where all its lines fit on one side of
    # its line, clear of the lines already drawn down from the labels above; the rows
    # start under the lowest label.
    placed: list[tuple[float, float, str, list[str], float, str]] = []   # value, dx, anchor, lines, baseline, role
    probe = Canvas(frame, palette)
    for (value, role, _), lines in zip(references, texts, strict=True):
        k = 0
        while True:
            baseline = size + k * lane
            side = next(((dx, anchor) for dx, anchor in ((5.0, "start"), (-5.0, "end"))
                         if all(probe.fits(t, Place(x(value) + dx, baseline + i * lane, anchor), size,
                                           role == "ref-england") for i, t in enumerate(lines))), None)
            if side is not None or k > 6:
                dx, anchor = side or (5.0, "start")
                break
            k += 1
        for i, t in enumerate(lines):
            probe.text(x(value) + dx, baseline + i * lane, t, "label", anchor, size, role == "ref-england")
        probe.line(x(value), baseline - size * 0.8, x(value), 10_000, role)
        placed.append((value, dx, anchor, lines, baseline, role))
    top = max(b + (len(lines) - 1) * lane for _, _, _, lines, b, _ in placed) + DESCENT * size + 8
    heights = [max(22.0, (len(a) + len(b)) * line_height + 5) for a, b in row_lines]
    rows_bottom = top + sum(heights)
    for value, dx, anchor, lines, baseline, role in placed:
        for i, t in enumerate(lines):
            canvas.label(t, [Place(x(value) + dx, baseline + i * lane, anchor)], "label", size,
                         bold=role == "ref-england")
        canvas.line(x(value), baseline - size * 0.8, x(value), rows_bottom, role)
    y = top
    centres = []
    for (entry, value_text), (name_lines, value_lines), height in zip(ordered, row_lines, heights, strict=True):
        role = "label-this" if entry.highlight else "label"
        for i, text in enumerate([*name_lines, *value_lines]):
            canvas.text(0, y + size + 4 + i * line_height, text, role, bold=entry.highlight and i < len(name_lines))
        canvas.text(frame.width, y + size + 4, value_text, role, "end", bold=True)
        centres.append(y + min(height, 22.0) / 2 + 1)
        y += height
    for (entry, _), centre in zip(ordered, centres, strict=True):
        if entry.ratio is None:
            continue
        spot = dots_path([(x(entry.ratio), centre)])
        bounds = Box(x(entry.ratio) - 7, centre - 7, x(entry.ratio) + 7, centre + 7)
        canvas.path(spot, "this-dot" if entry.highlight else "others-large", bounds)
    _axis(canvas, x, low, high, step, y + 4, frame)
    # Under the names, on the axis labels' lane: which way is better.
    canvas.label("\u2190 lower is better", [Place(0, y + 4 + 6 + frame.small)], "label-muted", frame.small)
    return canvas.layout()


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
