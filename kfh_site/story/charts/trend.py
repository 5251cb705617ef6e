"""The staff ratio over time: every year in the data, England beside it, both reference
lines, the "meets" zone shaded. Lower is better. A year with no qualified staff is
marked "none" with a cross at the top; a year with no return is a gap in the line.
End labels are pushed apart so that they never touch.
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
    ChartCache,
    Frame,
    Layout,
    Place,
    dots_path,
    line_gap,
    number,
    on_axis,
    spaced_width,
    tick_step,
)
from kfh_site.story.palette import Palette

PLOT_HEIGHT = {"wide": 170.0, "narrow": 110.0}


@dataclass(frozen=True)
class Series:
    """One line: a name for its end label and a value (or None) for each year.

    A year missing from ``values`` had no return; a year whose value is None had a
    return with no qualified staff.
    """

    name: str
    role: str                        # "this" or "england"
    values: tuple[tuple[str, float | None], ...]


def trend_layouts(years: Sequence[str], series: Sequence[Series], policy: Policy, palette: Palette,
                  cache: ChartCache | None = None) -> tuple[Layout, Layout]:
    """The trend in both frames. Charts with the same years and scale share their axes,
    grid and reference lines: ``cache`` lays those out once."""
    cache = cache or ChartCache()
    return (_layout(WIDE, years, series, policy, palette, cache),
            _layout(NARROW, years, series, policy, palette, cache))


END_LABELS = 190.0
"""The wide frame's column for the lines' end labels ("ABC123 1 : 12,345", "Recommended"):
the same in every trend, so the axes of two charts match and can be laid out once."""


@dataclass(frozen=True)
class Axes:
    """A trend's axes, grid and reference lines, and where its plot lies."""

    marks: tuple[str, ...]
    obstacles: tuple[Box, ...]
    bottom: float
    x0: float
    x1: float
    top: float
    plot_bottom: float


def _ticks(low: float, high: float) -> tuple[float, float, int]:
    low, high = on_axis(low), on_axis(high)
    step = tick_step(high - low, ((3000, 500), (6000, 1000), (50000, 5000)))
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _layout(frame: Frame, years: Sequence[str], series: Sequence[Series], policy: Policy,
            palette: Palette, cache: ChartCache) -> Layout:
    size, small = frame.text, frame.small
    values = [v for s in series for _, v in s.values if v is not None]
    low, high, step = _ticks(min([1000.0, *values]), max([2000.0, policy.baseline_ratio, *values]))
    # Room above the plot for the "no qualified staff" crosses and their label, if any.
    crosses = any(v is None for s in series for _, v in s.values)
    ends = _end_labels(series, policy, frame) if frame is WIDE else []
    # A column for the end labels, the same width in every chart unless a label needs more
    # (a region's name), so that most charts share their axes.
    label_width = max([END_LABELS, *(spaced_width(t, size, bold) + 10 for t, _, _, bold in ends)]) if ends else 0
    axes = cache.get(("trend", frame.name, tuple(years), low, high, step, crosses, label_width, policy, palette),
                     lambda: _axes(frame, years, low, high, step, crosses, label_width, policy, palette))
    canvas = Canvas(frame, palette)
    canvas.marks.extend(axes.marks)
    canvas.obstacles.extend(axes.obstacles)
    canvas.bottom = axes.bottom
    top, bottom, x0, x1 = axes.top, axes.plot_bottom, axes.x0, axes.x1
    y, x = _y_scale(low, high, top, bottom), _x_scale(years, x0, x1, small)
    for s in series:
        _draw_series(canvas, s, x, y, top, x0, x1, bottom)
    if ends:
        # Each line labelled at its end.
        _place_ends(canvas, ends, y, x1 + 8, top, bottom, size)
    else:
        # The plot takes the width and a key under it names the lines.
        canvas.legend(_key(series, policy), small)
    return canvas.layout()


def _y_scale(low: float, high: float, top: float, bottom: float) -> Callable[[float], float]:
    def y(value: float) -> float:
        return bottom - (bottom - top) * (on_axis(value) - low) / (high - low)
    return y


def _x_scale(years: Sequence[str], x0: float, x1: float, small: float) -> Callable[[str], float]:
    inset = max(8.0, max(spaced_width(year, small) for year in years) / 2 + 4)
    index = {year: i for i, year in enumerate(years)}

    def x(year: str) -> float:
        return x0 + inset + (x1 - x0 - 2 * inset) * (index[year] / max(len(years) - 1, 1))
    return x


def _axes(frame: Frame, years: Sequence[str], low: float, high: float, step: int, crosses: bool,
          label_width: float, policy: Policy, palette: Palette) -> Axes:
    canvas = Canvas(frame, palette)
    size, small = frame.text, frame.small
    axis_width = spaced_width(fmt.count(high), small) + 9
    x0, x1 = axis_width, frame.width - label_width - 6
    top = size * 2 + 10 if crosses else small
    bottom = top + PLOT_HEIGHT[frame.name]
    y, x = _y_scale(low, high, top, bottom), _x_scale(years, x0, x1, small)
    canvas.rect(x0, y(policy.recommended_ratio), x1 - x0, bottom - y(policy.recommended_ratio), "zone",
                obstacle=False)
    canvas.line(x0, top - 4, x0, bottom, "axis")
    for value in range(int(low), int(high) + 1, step):
        canvas.line(x0 - 4, y(value), x0, y(value), "axis")
        canvas.label(fmt.count(value), [Place(x0 - 7, y(value) + small * 0.35, "end")], "label-muted", small)
    canvas.line(x0, bottom, x1, bottom, "axis")
    _year_labels(canvas, years, x, bottom, frame)
    canvas.line(x0, y(policy.recommended_ratio), x1, y(policy.recommended_ratio), "ref-recommended")
    canvas.line(x0, y(policy.baseline_ratio), x1, y(policy.baseline_ratio), "ref-baseline")
    return Axes(tuple(canvas.marks), tuple(canvas.obstacles), canvas.bottom, x0, x1, top, bottom)


def _key(series: Sequence[Series], policy: Policy) -> list[tuple[str, str | None]]:
    entries: list[tuple[str, str | None]] = []
    for s in series:
        last = next((v for _, v in reversed(s.values) if v is not None), None)
        text = f"{s.name} {fmt.ratio(last)}" if last is not None else s.name
        entries.append((text, "this-points" if s.role == "this" else "england-points"))
    entries.append(("recommended", "ref-recommended"))
    entries.append(("2019 average", "ref-baseline"))
    return entries


def _end_labels(series: Sequence[Series], policy: Policy, frame: Frame) -> list[tuple[str, float, str, bool]]:
    """(text, value, role, bold) of each label at the right-hand end."""
    labels = []
    for s in series:
        last = next((v for _, v in reversed(s.values) if v is not None), None)
        if last is not None:
            role = "label-this" if s.role == "this" else "label"
            labels.append((f"{s.name} {fmt.ratio(last)}", last, role, s.role == "this"))
    labels.append(("2019 average", policy.baseline_ratio, "label-muted", False))
    labels.append(("Recommended", policy.recommended_ratio, "label-muted", False))
    return labels


def _place_ends(canvas: Canvas, ends: list[tuple[str, float, str, bool]], y: Callable[[float], float],
                x: float, top: float, bottom: float, size: float) -> None:
    """End labels at their lines' heights, pushed apart to at least 1.2 em between
    baselines, kept inside the plot's height where they can be."""
    gap = max(size * 1.2, line_gap(size))
    wanted = sorted(((y(value) + size * 0.35, text, role, bold) for text, value, role, bold in ends))
    placed: list[float] = []
    for want, *_ in wanted:
        placed.append(max(want, placed[-1] + gap) if placed else want)
    overflow = placed[-1] - (bottom + size) if placed else 0
    if overflow > 0:
        placed = [p - overflow for p in placed]
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    for baseline, (_, text, role, bold) in zip(placed, wanted, strict=True):
        canvas.label(text, [Place(x, baseline)], role, size, bold)


def _year_labels(canvas: Canvas, years: Sequence[str], x: Callable[[str], float], bottom: float,
                 frame: Frame) -> None:
    """Year labels under the axis: every year if they fit, else every other one, always
    the first and the last."""
    size = frame.small
    width = max(spaced_width(year, size) for year in years) + 6
    room = (x(years[-1]) - x(years[0])) / max(len(years) - 1, 1) if len(years) > 1 else width
    every = max(1, math.ceil(width / room))
    shown = [year for i, year in enumerate(years) if i % every == 0 or i == len(years) - 1]
    if len(shown) > 1 and shown[-2] != years[0] and years.index(shown[-1]) - years.index(shown[-2]) < every:
        shown.pop(-2)  # the last year always shows; drop the one before it if they would touch
    for year in shown:
        canvas.line(x(year), bottom, x(year), bottom + 4, "axis")
        canvas.label(year, [Place(x(year), bottom + 6 + size, "middle")], "label-muted", size)


def _draw_series(canvas: Canvas, s: Series, x: Callable[[str], float], y: Callable[[float], float],
                 top: float, x0: float, x1: float, bottom: float) -> None:
    line_role, points_role = ("this-line", "this-points") if s.role == "this" else ("england-line", "england-points")
    segments: list[list[tuple[float, float]]] = [[]]
    previous_index = None
    nones = []
    for year, value in s.values:
        index = year
        if value is None:
            nones.append(x(year))
            segments.append([])
            previous_index = None
            continue
        if previous_index is not None and not _consecutive(previous_index, index):
            segments.append([])
        segments[-1].append((x(year), y(value)))
        previous_index = index
    bounds = Box(x0, top - 6, x1, bottom + 6)
    d = "".join("M" + "L".join(f"{number(px)} {number(py)}" for px, py in seg) for seg in segments if len(seg) > 1)
    if d:
        canvas.path(d, line_role, bounds)
    points = [p for seg in segments for p in seg]
    if points:
        if s.role == "this":
            canvas.path(dots_path(points), points_role, bounds)
        else:
            canvas.path("".join(f"M{number(px - 3.5)} {number(py - 3.5)}h7v7h-7z" for px, py in points),
                        points_role, bounds)
    for px in nones:
        cross = f"M{number(px - 5)} {number(top - 5)}l10 10M{number(px + 5)} {number(top - 5)}l-10 10"
        canvas.path(cross, "none-mark", Box(px - 6, top - 6, px + 6, top + 6))
    if nones:
        # One label over the crosses of a run of years with no qualified staff.
        size = canvas.frame.small
        text = "\u00d7 no qualified staff"
        canvas.label(text, [Place(nones[0] - 6, top - 10), Place(nones[-1] + 6, top - 10, "end"),
                            Place(x0 + 2, top - 10)], "label", size)


def _consecutive(before: str, now: str) -> bool:
    return int(now[:4]) - int(before[:4]) == 1
