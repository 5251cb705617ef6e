"""Qualified staff over time, in WTE: up is more staff.

Each year the qualified WTE (a line in the accent colour) against the WTE the
recommendation asks for that year (a black line), the gap between them shaded and
written at the first and the last year. A year with no qualified staff is a real 0
with "none" beside it; a year with no return is a gap in both lines, said in words at
the foot of the plot. Every year is labelled (on two lanes where one will not hold
them). The lines are labelled at their ends; there is no key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kfh_site.story import formatting as fmt
from kfh_site.story.charts.canvas import (
    AXIS_LIMIT,
    DESCENT,
    NARROW,
    WIDE,
    Box,
    Canvas,
    ChartCache,
    Drawn,
    Frame,
    Layout,
    Place,
    dots_path,
    line_gap,
    number,
    on_axis,
    spaced_width,
)
from kfh_site.story.palette import Palette

PLOT_HEIGHT = {"wide": 150.0, "narrow": 84.0}
END_COLUMN = {"wide": 170.0, "narrow": 6.0}
HEADROOM = {"wide": 1.08, "narrow": 1.4}
"""The axis top over the highest figure: the narrow frame labels its lines inside the
plot, over and under their ends, so it keeps room above them."""


@dataclass(frozen=True)
class StaffYear:
    """One year with a return: qualified WTE, the WTE the recommendation asks for, and
    the more that would meet it (the ask: rounded up, 0 when the ratio meets it)."""

    year: str
    qualified: float
    recommended: float
    needed: float


def staffing_trend_layouts(years: Sequence[str], points: Sequence[StaffYear], palette: Palette,
                           merger: tuple[str, str] | None = None, when: str = "now",
                           cache: ChartCache | None = None) -> tuple[Layout, Layout]:
    """The staffing trend in both frames; ``points`` holds the years with a return.

    ``merger`` is (the year an organisation was formed, who it was formed from in words):
    a line between that year and the one before, "merged" beside it and the predecessors
    over the years before, so their figures added up are never read as its own. ``when``
    labels the last qualified figure ("now", or "in 2021/22" for an older return).
    Trends with the same years and axis top share their axes: ``cache`` draws those once."""
    cache = cache or ChartCache()
    return (_layout(WIDE, years, points, palette, merger, when, cache),
            _layout(NARROW, years, points, palette, merger, when, cache))


def nice_top(value: float) -> tuple[float, float]:
    """An axis top at or above ``value`` and its tick step: 1, 2 or 5 times a power of ten,
    about four ticks (any finite value; beyond the axis' reach it sits at the end)."""
    value = min(max(on_axis(value), 1.0), AXIS_LIMIT)
    raw = value / 4
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return math.ceil(value / step - 1e-9) * step, step


@dataclass(frozen=True)
class Plot:
    """Where a trend's plot lies and how figures and years map onto it."""

    x0: float
    x1: float
    top: float
    bottom: float
    x: Callable[[str], float]
    y: Callable[[float], float]


def _plot(frame: Frame, years: Sequence[str], points: Sequence[StaffYear]) -> tuple[Plot, float, float]:
    """The plot's place and scales, and the value axis' top and step."""
    small = frame.small
    top_value, step = nice_top(on_axis(max([p.recommended for p in points] + [p.qualified for p in points] + [1.0]))
                               * HEADROOM[frame.name])
    x0 = spaced_width(fmt.number(top_value, 0 if step >= 1 else 1), small) + 10
    x1 = frame.width - END_COLUMN[frame.name]
    top = frame.text + 10         # a lane for the gap written over the first and last years
    bottom = top + PLOT_HEIGHT[frame.name]
    inset = max(spaced_width(year, small) for year in years) / 2 + 4 if years else 8
    index = {year: i for i, year in enumerate(years)}

    def y(value: float) -> float:
        return bottom - (bottom - top) * (min(max(on_axis(value), 0.0), top_value) / top_value)

    def x(year: str) -> float:
        if len(years) == 1:
            return (x0 + x1) / 2
        return x0 + inset + (x1 - x0 - 2 * inset) * index[year] / (len(years) - 1)

    return Plot(x0, x1, top, bottom, x, y), top_value, step


def _layout(frame: Frame, years: Sequence[str], points: Sequence[StaffYear], palette: Palette,
            merger: tuple[str, str] | None, when: str, cache: ChartCache) -> Layout:
    canvas = Canvas(frame, palette)
    plot, top_value, step = _plot(frame, years, points)
    canvas.draw(cache.get(("trend-axes", frame.name, tuple(years), top_value, step, palette),
                          lambda: _axes_and_years(frame, palette, plot, years, top_value, step)))
    runs = _runs(years, points)
    _gap_and_lines(canvas, plot, runs)
    if points:
        canvas.path(dots_path([(plot.x(p.year), plot.y(p.qualified)) for p in points]), "this-points",
                    Box(plot.x0, plot.top - 5, plot.x1, plot.bottom + 5), obstacle=False)
        _block_lines(canvas, plot, runs)
        if frame is NARROW:
            _inside_labels(canvas, points[-1], plot.y, plot.x(points[-1].year), frame, when)
        else:
            _end_labels(canvas, points[-1], plot.y, plot.x1 + 8, frame, when)
    if merger and merger[0] in years[1:]:
        _merger_line(canvas, plot, years, points, *merger)
    _none_words(canvas, plot, runs)
    _missing_words(canvas, plot, years, points)
    # The gap written at the first and the last year, in a lane of its own over the
    # plot, above their years: "+3.5" (or "meets").
    for p in dict.fromkeys([*points[:1], *points[-1:]]):
        words = "meets" if p.needed <= 0 else f"+{fmt.number(p.needed)}"
        cx = plot.x(p.year)
        canvas.label(words, [Place(cx, plot.top - 6, "middle"), Place(cx, plot.top - 6, "end"),
                             Place(cx, plot.top - 6)], "label-this", frame.small, bold=True)
    return canvas.layout()


def _axes_and_years(frame: Frame, palette: Palette, plot: Plot, years: Sequence[str], top_value: float,
                    step: float) -> Drawn:
    """The axes and the years under them, which depend on nothing but the frame, the years
    and the axis' top (the plot's place follows from those)."""
    canvas = Canvas(frame, palette)
    _axes(canvas, plot, top_value, step)
    _year_labels(canvas, years, plot.x, plot.bottom, frame.small)
    return canvas.drawn()


def _axes(canvas: Canvas, plot: Plot, top_value: float, step: float) -> None:
    """The value axis with its ticks, and the year axis."""
    small = canvas.frame.small
    places = 0 if step >= 1 else 1
    tick = 0.0
    while tick <= top_value + 1e-9:
        canvas.line(plot.x0 - 4, plot.y(tick), plot.x0, plot.y(tick), "axis")
        canvas.text(plot.x0 - 7, plot.y(tick) + small * 0.35, fmt.number(tick, places), "label-muted", "end", small)
        tick += step
    canvas.line(plot.x0, plot.top - 4, plot.x0, plot.bottom, "axis")
    canvas.line(plot.x0, plot.bottom, plot.x1, plot.bottom, "axis")


def _gap_and_lines(canvas: Canvas, plot: Plot, runs: list[list[StaffYear]]) -> None:
    """The gap shaded between the two lines over each run of consecutive years, then the lines."""
    x, y = plot.x, plot.y
    for run in runs:
        if len(run) > 1:
            upper = "L".join(f"{number(x(p.year))} {number(y(max(p.recommended, p.qualified)))}" for p in run)
            lower = "L".join(f"{number(x(p.year))} {number(y(p.qualified))}" for p in reversed(run))
            canvas.path(f"M{upper}L{lower}Z", "gap-area", Box(plot.x0, plot.top, plot.x1, plot.bottom),
                        obstacle=False)
        else:
            p = run[0]
            canvas.rect(x(p.year) - 4, y(p.recommended), 8, max(y(p.qualified) - y(p.recommended), 0), "gap-area")
    for role, value in (("ref-recommended", lambda p: p.recommended), ("this-line", lambda p: p.qualified)):
        d = "".join("M" + "L".join(f"{number(x(p.year))} {number(y(value(p)))}" for p in run)
                    for run in runs if len(run) > 1)
        if d:
            canvas.path(d, role, Box(plot.x0, plot.top - 2, plot.x1, plot.bottom + 2), obstacle=False)


def _merger_line(canvas: Canvas, plot: Plot, years: Sequence[str], points: Sequence[StaffYear], year: str,
                 before: str) -> None:
    """A line halfway between the year an organisation was formed and the one before,
    from the axis up to under the qualified staff line, the predecessors named to its
    left and "merged" to its right (drawn after the lines' own labels, so it never
    pushes them off the plot; a line that would cross one is left out, the words stay)."""
    small = canvas.frame.small
    index = years.index(year)
    at = (plot.x(years[index - 1]) + plot.x(year)) / 2
    near = [p.qualified for p in points if p.year in (years[index - 1], year)]
    top = plot.y(min(near)) + 8 if near else plot.top
    line = Box(at - 1, top, at + 1, plot.bottom - 1)  # clear of the axis it stands on
    if top < plot.bottom - 4 and not any(line.overlaps(o) for o in canvas.obstacles):
        canvas.line(at, top, at, plot.bottom, "axis")
    for words, anchor, dx in ((before, "end", -4), ("merged", "start", 4)):
        canvas.label(words, [Place(at + dx, plot.bottom - 6, anchor), Place(at + dx, plot.top + small, anchor),
                             Place(at + dx, plot.top + 2 * small + 4, anchor)], "label-muted", small)


def _block_lines(canvas: Canvas, plot: Plot, runs: list[list[StaffYear]]) -> None:
    """Labels keep clear of every point and of each segment's whole box (a label never
    sits in the corner a sloping line leaves: it would read as on the line)."""
    x, y = plot.x, plot.y
    for run in runs:
        for value in (lambda p: p.qualified, lambda p: p.recommended):
            for a, b in (zip(run, run[1:], strict=False) if len(run) > 1 else [(run[0], run[0])]):
                canvas.block(Box(min(x(a.year), x(b.year)) - 5, min(y(value(a)), y(value(b))) - 5,
                                 max(x(a.year), x(b.year)) + 5, max(y(value(a)), y(value(b))) + 5))


def _none_words(canvas: Canvas, plot: Plot, runs: list[list[StaffYear]]) -> None:
    """"none" once over each run of years with no qualified staff (a real 0)."""
    x, y, small = plot.x, plot.y, canvas.frame.small
    for run in runs:
        for group in _consecutive_groups([p for p in run if p.qualified <= 0], run):
            cx = (x(group[0].year) + x(group[-1].year)) / 2
            # Between two years with staff the line dips to 0 and back, leaving no room at
            # the point: then just over the higher neighbour, still in the year's column.
            at = run.index(group[0])
            around = run[max(at - 1, 0):at + len(group) + 1]
            over = min(y(p.qualified) for p in around) - 5 - DESCENT * small - 2
            canvas.label("none", [Place(cx, y(0) - 11, "middle"), Place(x(group[-1].year) + 7, y(0) - 6),
                                  Place(x(group[0].year) - 7, y(0) - 6, "end"), Place(cx, over, "middle")],
                         "label-this", small, bold=True)


def _missing_words(canvas: Canvas, plot: Plot, years: Sequence[str], points: Sequence[StaffYear]) -> None:
    """"no return" once over each run of years with no return: a gap said in words."""
    reported = {p.year for p in points}
    missing: list[list[str]] = []
    for i, year in enumerate(years):
        if year in reported:
            continue
        if missing and years.index(missing[-1][-1]) == i - 1:
            missing[-1].append(year)
        else:
            missing.append([year])
    small = canvas.frame.small
    for run_years in missing:
        cx = (plot.x(run_years[0]) + plot.x(run_years[-1])) / 2
        words = "no return" if len(run_years) == 1 else "no returns"
        canvas.label(words, [Place(cx, plot.bottom - 6, "middle"), Place(cx, (plot.top + plot.bottom) / 2, "middle"),
                             Place(cx, plot.top + small + 4, "middle")], "label-muted", small)


def _consecutive_groups(chosen: Sequence[StaffYear], run: Sequence[StaffYear]) -> list[list[StaffYear]]:
    """``chosen`` (points of ``run``) split where a point of ``run`` not chosen comes between."""
    groups: list[list[StaffYear]] = []
    for p in run:
        if p in chosen:
            if groups and groups[-1][-1] is run[run.index(p) - 1]:
                groups[-1].append(p)
            else:
                groups.append([p])
    return groups


def _runs(years: Sequence[str], points: Sequence[StaffYear]) -> list[list[StaffYear]]:
    """Points split where a year has no return."""
    by_year = {p.year: p for p in points}
    runs: list[list[StaffYear]] = [[]]
    for year in years:
        if year in by_year:
            runs[-1].append(by_year[year])
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _inside_labels(canvas: Canvas, last: StaffYear, y: Callable[[float], float], x: float, frame: Frame,
                   when: str = "now") -> None:
    """The narrow frame's line labels, inside the plot: the higher line's over its end, the
    lower line's under it (the plot keeps headroom for them)."""
    size = frame.small
    rec = (f"{fmt.wte(last.recommended)} recommended", "label", False, last.recommended)
    now = (f"{fmt.wte(last.qualified)} {when}", "label-this", True, last.qualified)
    high, low = (rec, now) if last.recommended >= last.qualified else (now, rec)
    text, role, bold, value = high
    canvas.label(text, [Place(x + 4, y(value) - dy, "end") for dy in (9, 13, 17, 21)]
                 + [Place(x - 6, y(value) - 9 - size - 4, "end")], role, size, bold)
    text, role, bold, value = low
    canvas.label(text, [Place(x + 4, y(value) + size + dy, "end") for dy in (7, 11, 15, 19)]
                 + [Place(x - 8, y(value) + 2 * size + 10, "end")], role, size, bold)


def _end_labels(canvas: Canvas, last: StaffYear, y: Callable[[float], float], x: float, frame: Frame,
                when: str = "now") -> None:
    """The two lines named at their ends (the wide frame's column on the right), pushed
    apart so that they never touch."""
    size = frame.text
    labels = [(y(last.recommended), [f"{fmt.wte(last.recommended)} recommended"], "label", False),
              (y(last.qualified), [f"{fmt.wte(last.qualified)} {when}"], "label-this", True)]
    gap = line_gap(size)
    heights = [gap * len(lines) for _, lines, _, _ in labels]
    # Recommended above qualified unless qualified is higher.
    order = sorted(range(2), key=lambda i: labels[i][0])
    baselines: dict[int, float] = {}
    previous_end = -math.inf
    for i in order:
        want = labels[i][0] + size * 0.35 - (heights[i] - gap) / 2
        start = max(want, previous_end + gap)
        baselines[i] = start
        previous_end = start + heights[i] - gap
    for i, (_, lines, role, bold) in enumerate(labels):
        for k, text in enumerate(lines):
            canvas.text(x, baselines[i] + k * gap, text, role, size=size, bold=bold and k == 0)


def _year_labels(canvas: Canvas, years: Sequence[str], x: Callable[[str], float], bottom: float,
                 size: float) -> None:
    """Every year labelled: on one lane where they fit, else on two, alternately."""
    width = max((spaced_width(year, size) for year in years), default=0) + 8
    room = (x(years[-1]) - x(years[0])) / (len(years) - 1) if len(years) > 1 else width
    lanes = max(1, math.ceil(width / max(room, 1.0)))
    for i, year in enumerate(years):
        canvas.line(x(year), bottom, x(year), bottom + 4, "axis")
        canvas.text(x(year), bottom + 6 + size + (i % lanes) * (size + 3), year, "label-muted", "middle", size)
