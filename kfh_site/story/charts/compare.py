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
    """One area on the chart: its name, its ratio (None: no qualified staff), and whether
    it is the page's own."""

    name: str
    ratio: float | None
    highlight: bool = False


def compare_layouts(entries: Sequence[Entry], england: float | None, policy: Policy,
                    palette: Palette) -> tuple[Layout, Layout]:
    """The areas compared in both frames (one spec for the web page and the PDF)."""
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
    """Names on the left and each area's ratio written at the right of its row, a dot per
    area on a shared axis, and the reference lines through every row, each labelled with
    its value in a lane of its own above the rows. No key: every line says what it is."""
    canvas = Canvas(frame, palette)
    size = frame.text
    low, high, step = _axis_range(entries, england, policy)
    values_text = [fmt.ratio(e.ratio) if e.ratio is not None else "no qualified staff" for e in entries]
    left, x0, x1 = _columns(frame, entries, values_text)

    def x(value: float) -> float:
        return x0 + (x1 - x0) * ((min(max(on_axis(value), low), high) - low) / (high - low))

    ordered = sorted(zip(entries, values_text, strict=True),
                     key=lambda e: (e[0].ratio is None, e[0].ratio or 0, e[0].name))
    names = [wrap(entry.name, left, size, entry.highlight) for entry, _ in ordered]
    heights = [max(22.0, len(lines) * (size + 3) + 5) for lines in names]
    placed, top = _reference_lanes(frame, palette, x, _references(policy, england))
    for value, dx, anchor, lines, baseline, role in placed:
        for i, text in enumerate(lines):
            canvas.label(text, [Place(x(value) + dx, baseline + i * line_gap(size), anchor)], "label", size,
                         bold=role == "ref-england")
        canvas.line(x(value), baseline - size * 0.8, x(value), top + sum(heights), role)
    centres = _rows(canvas, ordered, names, heights, top)
    for (entry, _), centre in zip(ordered, centres, strict=True):
        if entry.ratio is not None:
            spot = dots_path([(x(entry.ratio), centre)])
            bounds = Box(x(entry.ratio) - 7, centre - 7, x(entry.ratio) + 7, centre + 7)
            canvas.path(spot, "this-dot" if entry.highlight else "others-large", bounds)
    bottom = top + sum(heights)
    _axis(canvas, x, low, high, step, bottom + 4, frame)
    # Under the names, on the axis labels' lane: which way is better.
    canvas.label("\u2190 lower is better", [Place(0, bottom + 4 + 6 + frame.small)], "label-muted", frame.small)
    return canvas.layout()


def _columns(frame: Frame, entries: Sequence[Entry], values_text: Sequence[str]) -> tuple[float, float, float]:
    """The names' width and the plot's ends, leaving the ratios a column on the right."""
    size = frame.text
    right = max(spaced_width(t, size, True) for t in values_text) + 10
    if frame is WIDE:
        left = min(200.0, max(spaced_width(e.name, size, e.highlight) for e in entries) + 10)
        return left, left + 10, frame.width - right - 12
    return 116.0, 126.0, frame.width - right - 10


def _references(policy: Policy, england: float | None) -> list[tuple[float, str, list[str]]]:
    """The reference lines, highest first: (value, role, label words then its ratio)."""
    references = [(policy.baseline_ratio, "ref-baseline", ["2019 average", fmt.ratio(policy.baseline_ratio)]),
                  (policy.recommended_ratio, "ref-recommended", ["Recommended", fmt.ratio(policy.recommended_ratio)])]
    if england is not None:
        references.append((england, "ref-england", ["England", fmt.ratio(england)]))
    return sorted(references, key=lambda r: -r[0])


Lane = tuple[float, float, str, list[str], float, str]
"""A reference label placed: (value, dx, anchor, its lines, first baseline, role)."""


def _reference_lanes(frame: Frame, palette: Palette, x: Callable[[float], float],
                     references: Sequence[tuple[float, str, list[str]]]) -> tuple[list[Lane], float]:
    """Each label in the first lane (from the top) where all its lines fit on one side of
    its line, clear of the lines already drawn down from the labels above; on one line
    where that fits the frame, else on two. Returns them and the top of the rows."""
    size, lane = frame.text, line_gap(frame.text)
    probe = Canvas(frame, palette)
    placed: list[Lane] = []
    for value, role, words in references:
        one = " ".join(words)
        fits = any(text_box(px, 0, one, size, anchor).inside(frame.width)
                   for px, anchor in ((x(value) + 5, "start"), (x(value) - 5, "end")))
        lines = [one] if fits else words
        bold = role == "ref-england"
        for k in range(8):
            baseline = size + k * lane
            side = next(((dx, anchor) for dx, anchor in ((5.0, "start"), (-5.0, "end"))
                         if all(probe.fits(t, Place(x(value) + dx, baseline + i * lane, anchor), size, bold)
                                for i, t in enumerate(lines))), None)
            if side is not None:
                break
        dx, anchor = side or (5.0, "start")
        for i, t in enumerate(lines):
            probe.text(x(value) + dx, baseline + i * lane, t, "label", anchor, size, bold)
        probe.line(x(value), baseline - size * 0.8, x(value), 10_000, role)
        placed.append((value, dx, anchor, lines, baseline, role))
    top = max(b + (len(lines) - 1) * lane for _, _, _, lines, b, _ in placed) + DESCENT * size + 8
    return placed, top


def _rows(canvas: Canvas, ordered: Sequence[tuple[Entry, str]], names: Sequence[list[str]],
          heights: Sequence[float], top: float) -> list[float]:
    """Each area's name (wrapped) on the left and its ratio on the right; each row's centre."""
    frame, size = canvas.frame, canvas.frame.text
    centres, y = [], top
    for (entry, value_text), lines, height in zip(ordered, names, heights, strict=True):
        role = "label-this" if entry.highlight else "label"
        for i, text in enumerate(lines):
            canvas.text(0, y + size + 4 + i * (size + 3), text, role, bold=entry.highlight)
        canvas.text(frame.width, y + size + 4, value_text, role, "end", bold=True)
        centres.append(y + min(height, 22.0) / 2 + 1)
        y += height
    return centres


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
