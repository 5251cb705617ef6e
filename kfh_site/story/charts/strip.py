"""Where an organisation sits: a strip (dot) plot of staff ratios on a fixed axis.

The axis runs from 1 : 500 to 1 : 3,500 and sits at the same place in every chart and
PDF, so two pages can be compared at a glance; ratios beyond its ends sit at the ends.
Each row is one peer group: grey dots for the others, a large dot in the accent colour
for this organisation, a tick for the median organisation, the "meets" zone shaded and
the policy's two reference lines labelled in a lane of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
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
    cross_path,
    diamond_path,
    dots_path,
    line_gap,
    spaced_width,
    wrap,
)
from kfh_site.story.palette import Palette

AXIS_MIN, AXIS_MAX = 500, 3500
DOT = 5.0                        # the others' dots: diameter, and the spacing of the swarm
WIDE_LEFT, WIDE_RIGHT = 206.0, 124.0   # the title and rank columns of the wide frame
WIDE_X = (WIDE_LEFT + 12, WIDE.width - WIDE_RIGHT - 20)
NARROW_X = (14.0, NARROW.width - 26)


@dataclass(frozen=True)
class StripRow:
    """One peer group: its dots, this organisation's place and what the right column says."""

    title: str
    subtitle: str
    values: tuple[float, ...]       # the ratios of the dots drawn in the row
    highlight: float | None = None  # this organisation's ratio, drawn large
    median: float | None = None     # a tick: the median organisation of this row's group
    right: str = ""
    right_subtitle: str = ""
    dots: str = "others"            # "others" (grey) or "this-points" (this region's own)
    details: str = ""               # the narrow frame's line under the title (default: the rest)
    key: Hashable = None            # names the dots for the cache: the same group, the same dots
    other_median: float | None = None   # an open diamond: England's median beside an area's own
    none: bool = False              # this organisation has no qualified staff: a cross past the axis' end


@dataclass(frozen=True)
class StripBase:
    """A strip without its organisation's marks: the marks under and over them, its
    height, and where each row's rank and dot go."""

    under: tuple[str, ...]
    over: tuple[str, ...]
    height: float
    ranks: tuple[float, ...]          # each row's rank baseline
    centres: tuple[float, ...]        # each row's dot centre
    axis_labels: float = 0.0          # the axis labels' baseline


def strip_layouts(rows: Sequence[StripRow], policy: Policy, palette: Palette, legend: Sequence[str],
                  cache: ChartCache | None = None) -> tuple[Layout, Layout]:
    """The strip plot in both frames; ``legend`` names which marks the legend explains.
    Every page of a peer group shows the same dots, and every organisation with the same
    rows the same strip but for its rank and dot: ``cache`` lays each of those out once."""
    cache = cache or ChartCache()
    return tuple(_strip(frame, rows, policy, palette, legend, cache) for frame in (WIDE, NARROW))  # type: ignore


def _scale(x0: float, x1: float) -> Callable[[float], float]:
    def x(value: float) -> float:
        clamped = min(max(value, AXIS_MIN), AXIS_MAX)
        return x0 + (x1 - x0) * (clamped - AXIS_MIN) / (AXIS_MAX - AXIS_MIN)
    return x


def _strip(frame: Frame, rows: Sequence[StripRow], policy: Policy, palette: Palette, legend: Sequence[str],
           cache: ChartCache) -> Layout:
    """The shared base of these rows (from the cache), with this organisation's rank and
    dot put in the places the base keeps for them."""
    signature = (frame.name, policy, palette, tuple(legend), tuple(
        (r.title, r.subtitle, r.right_subtitle, r.details, r.key, r.median, r.other_median, r.dots, bool(r.right),
         r.values if r.key is None else None) for r in rows))
    make = _wide_base if frame is WIDE else _narrow_base
    base = cache.get(("strip", signature), lambda: make(rows, policy, palette, legend, cache))
    canvas = Canvas(frame, palette)
    span = WIDE_X if frame is WIDE else NARROW_X
    x = _scale(*span)
    lanes = 5 if frame is WIDE else 3
    for row, rank_y, centre in zip(rows, base.ranks, base.centres, strict=True):
        if row.right:
            if frame is WIDE:
                canvas.text(frame.width, rank_y, row.right, anchor="end", bold=True)
            else:
                canvas.text(0, rank_y, row.right, "label", size=frame.small, bold=True)
        reach = DOT * (lanes // 2) + DOT
        bounds = Box(span[0] - DOT, centre - reach, span[1] + 2 * DOT + NONE_LANE, centre + reach)
        if row.highlight is not None:
            spot = dots_path([(x(row.highlight), centre)])
            canvas.path(spot, "halo", bounds)
            canvas.path(spot, "this-dot", bounds)
        elif row.none:
            canvas.path(cross_path(span[1] + NONE_LANE, centre, 6), "none-this", bounds)
    _beyond(canvas, rows, base, x)
    return Layout(frame.name, frame.width, base.height, (*base.under, *canvas.marks, *base.over))


NONE_LANE = 14.0
"""How far past the axis' end an organisation with no qualified staff is crossed."""


def _beyond(canvas: Canvas, rows: Sequence[StripRow], base: StripBase, x: Callable[[float], float]) -> None:
    """A ratio beyond either end of the axis sits at the end, its value written: under
    the axis' end in the wide frame, on the first row's rank line in the narrow one."""
    value = next((r.highlight for r in rows if r.highlight is not None), None)
    if value is None or AXIS_MIN <= value <= AXIS_MAX:
        return
    frame, small = canvas.frame, canvas.frame.small
    high = value > AXIS_MAX
    text = f"{fmt.ratio(value)} \u2192" if high else f"\u2190 {fmt.ratio(value)}"
    if frame is WIDE:
        end_label = spaced_width(f"{fmt.count(AXIS_MAX)}+", small)
        place = (Place(x(AXIS_MAX) - 6 + end_label + 8, base.axis_labels) if high
                 else Place(x(AXIS_MIN) - 24, base.axis_labels, "end"))
        canvas.text(place.x, place.y, text, "label-this", place.anchor, small, bold=True)
    else:
        canvas.text(frame.width, base.ranks[0], text, "label-this", "end", small, bold=True)


def _wide_base(rows: Sequence[StripRow], policy: Policy, palette: Palette, legend: Sequence[str],
               cache: ChartCache) -> StripBase:
    frame = WIDE
    canvas = Canvas(frame, palette)
    small, line = frame.small, frame.text + 3
    x = _scale(*WIDE_X)
    top = _reference_labels(canvas, x, policy, short=False)
    spans, centres, ranks = [], [], []
    y = top
    for row in rows:
        titles = wrap(row.title, WIDE_LEFT, frame.text, bold=True)
        subtitles = wrap(row.subtitle, WIDE_LEFT, small)
        height = max(30.0, 4 + line * len(titles) + (small + 2) * len(subtitles) + 2)
        baseline = y + 15
        for text in titles:
            canvas.text(0, baseline, text, bold=True)
            baseline += line
        for text in subtitles:
            canvas.text(0, baseline - 2, text, "label-muted", size=small)
            baseline += small + 2
        # The rank goes at the top of the right-hand column, which nothing else uses.
        ranks.append(y + 15)
        if row.right_subtitle:
            canvas.text(frame.width, y + 15 + line, row.right_subtitle, "label-muted", "end", small)
        centres.append(y + height / 2)
        y += height
    spans.append((top - 4, y))
    _zone_and_references(canvas, x, policy, spans)
    for row, centre in zip(rows, centres, strict=True):
        _row_marks(canvas, row, x, WIDE_X, centre, 5, cache)
    under = len(canvas.marks)
    axis_labels = _axis(canvas, x, y + 6, frame, step=250)
    # Under the titles, on the axis labels' lane: which way is better.
    canvas.label("\u2190 lower is better", [Place(0, axis_labels)], "label-muted", frame.small)
    _legend(canvas, legend, frame, policy)
    layout = canvas.layout()
    return StripBase(tuple(canvas.marks[:under]), tuple(canvas.marks[under:]), layout.height, tuple(ranks),
                     tuple(centres), axis_labels)


def _narrow_base(rows: Sequence[StripRow], policy: Policy, palette: Palette, legend: Sequence[str],
                 cache: ChartCache) -> StripBase:
    frame = NARROW
    canvas = Canvas(frame, palette)
    small = frame.small
    x = _scale(*NARROW_X)
    y = _reference_labels(canvas, x, policy, short=True)
    bands: list[tuple[float, float]] = []
    ranks = []
    for row in rows:
        baseline = y + frame.text + 2
        for text in wrap(row.title, frame.width, frame.text, bold=True):
            canvas.text(0, baseline, text, bold=True)
            baseline += frame.text + 3
        # A line of its own for the rank, whatever its length, then what the group shares.
        ranks.append(baseline - 1)
        if row.right:
            baseline += small + 3
        details = row.details or " \u00b7 ".join(t for t in (row.subtitle, row.right_subtitle) if t)
        for text in wrap(details, frame.width, small):
            canvas.text(0, baseline - 1, text, "label-muted", size=small)
            baseline += small + 3
        band_top = max(canvas.bottom, baseline - small) + 2
        bands.append((band_top, band_top + 30))
        y = band_top + 30
    _zone_and_references(canvas, x, policy, bands)
    for row, (band_top, band_bottom) in zip(rows, bands, strict=True):
        _row_marks(canvas, row, x, NARROW_X, (band_top + band_bottom) / 2, 3, cache)
    under = len(canvas.marks)
    axis_labels = _axis(canvas, x, y + 6, frame, step=500)
    _legend(canvas, [*legend, "ref-recommended", "ref-baseline"], frame, policy)
    layout = canvas.layout()
    return StripBase(tuple(canvas.marks[:under]), tuple(canvas.marks[under:]), layout.height, tuple(ranks),
                     tuple((top + bottom) / 2 for top, bottom in bands), axis_labels)


def _reference_labels(canvas: Canvas, x: Callable[[float], float], policy: Policy, short: bool) -> float:
    """The two reference lines' labels, in a lane above the rows: the recommended one to
    the left of its line, the 2019 average to the right (each moves a lane down if it
    must). In the narrow frame only the numbers; the legend says which line is which."""
    size = canvas.frame.text
    if short:
        recommended, baseline = fmt.count(policy.recommended_ratio), fmt.count(policy.baseline_ratio)
    else:
        recommended = f"Recommended {fmt.ratio(policy.recommended_ratio)}"
        baseline = f"2019 average {fmt.ratio(policy.baseline_ratio)}"
    xr, xb = x(policy.recommended_ratio), x(policy.baseline_ratio)
    first, second = size, 2 * size + 4
    canvas.label(recommended, [Place(xr - 5, first, "end"), Place(xr + 5, first), Place(xr - 5, second, "end")],
                 bold=True)
    canvas.label(baseline, [Place(xb + 5, first), Place(xb + 5, second), Place(xb - 5, second, "end")])
    return canvas.bottom + 6


def _zone_and_references(canvas: Canvas, x: Callable[[float], float], policy: Policy,
                         spans: Sequence[tuple[float, float]]) -> None:
    """The shaded "meets" zone and the two reference lines, across each span of rows (in
    the narrow frame only across the bands of dots, so they never run through a title)."""
    for top, bottom in spans:
        canvas.rect(x(AXIS_MIN), top, x(policy.recommended_ratio) - x(AXIS_MIN), bottom - top, "zone",
                    obstacle=False)
    for value, role in ((policy.recommended_ratio, "ref-recommended"), (policy.baseline_ratio, "ref-baseline")):
        for top, bottom in spans:
            canvas.line(x(value), top, x(value), bottom, role)


def _row_marks(canvas: Canvas, row: StripRow, x: Callable[[float], float], span: tuple[float, float],
               centre: float, lanes: int, cache: ChartCache) -> None:
    reach = DOT * (lanes // 2) + DOT
    bounds = Box(span[0] - DOT, centre - reach, span[1] + DOT, centre + reach)
    if row.values:
        # The swarm is laid out around y = 0 once per group and moved into its row.
        def swarm() -> str:
            return dots_path(_swarm([x(v) for v in sorted(row.values)], 0.0, lanes))

        path = swarm() if row.key is None else cache.get(("dots", row.key, canvas.frame.name), swarm)
        canvas.path(path, row.dots, bounds, dy=centre)
    if row.median is not None:
        canvas.line(x(row.median), centre - reach, x(row.median), centre + reach, "median")
    if row.other_median is not None:
        canvas.path(diamond_path(x(row.other_median), centre, 5), "england-median",
                    Box(x(row.other_median) - 7, centre - 7, x(row.other_median) + 7, centre + 7))


def _swarm(xs: Sequence[float], centre: float, lanes: int) -> list[tuple[float, float]]:
    """Dots side by side where they would overlap, up to ``lanes`` deep; beyond that a
    place is full and more dots there add nothing to see (the table gives the counts)."""
    offsets = [0.0] + [sign * DOT * k for k in range(1, lanes // 2 + 1) for sign in (-1, 1)]
    used: dict[int, int] = {}
    points = []
    for value in xs:
        slot = round(value / DOT)
        depth = used.get(slot, 0)
        if depth < len(offsets):
            points.append((slot * DOT, centre + offsets[depth]))
            used[slot] = depth + 1
    return points


def _axis(canvas: Canvas, x: Callable[[float], float], y: float, frame: Frame, step: int) -> float:
    """Ticks every ``step``; a label at every 500 where it fits and the open end ("3,500+",
    set to the right of its tick, or a lane under it, so that 3,000 keeps its label) always.
    Returns the labels' baseline."""
    canvas.line(x(AXIS_MIN), y, x(AXIS_MAX), y, "axis")
    size = frame.small
    values = range(AXIS_MIN, AXIS_MAX + 1, step)
    for value in values:
        canvas.line(x(value), y, x(value), y + 4, "axis")
    baseline = y + 6 + size
    for value in values[:-1]:
        if value % 500 == 0:
            canvas.try_label(fmt.count(value), Place(x(value), baseline, "middle"), "label-muted", size)
    # The open end after them, so that on a phone, where "3,000" and "3,500+" cannot
    # share the lane, 3,000 keeps its label and the open end steps a lane down.
    end, lower = x(AXIS_MAX), baseline + line_gap(size)
    canvas.label(f"{fmt.count(AXIS_MAX)}+", [Place(end - 6, baseline), Place(end, baseline, "middle"),
                                             Place(end, lower, "middle"), Place(frame.width, lower, "end")],
                 "label-muted", size)
    return baseline


def _legend(canvas: Canvas, items: Sequence[str], frame: Frame, policy: Policy) -> None:
    """What the marks mean, drawn with the marks themselves."""
    names = {
        "this": ("this organisation", "this-dot"),
        "region": ("its organisations", "this-small"),
        "median": ("median organisation", "median"),
        "region-median": ("its median", "median"),
        "england-median": ("England's median", "england-median"),
        "none": ("no qualified staff", "none-this"),
        "zone": (f"meets {fmt.ratio(policy.recommended_ratio)}", "zone"),
        "ref-recommended": ("recommended", "ref-recommended"),
        "ref-baseline": ("2019 average", "ref-baseline"),
    }
    better = [] if frame is WIDE else [("\u2190 lower is better", None)]
    canvas.legend([*better, *(names[i] for i in items)], frame.small)
