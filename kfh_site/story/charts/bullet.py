"""Qualified staff against the recommendation: a bullet chart in WTE.

A bar for the qualified WTE now, a dashed outline for the gap up to the recommended
WTE, and markers for the recommended and 2019-average levels, each labelled in a lane
of its own: the recommended one above the bar, the 2019 average below it.
"""

from __future__ import annotations

from kfh_site.domain import Policy, round_up
from kfh_site.story import formatting as fmt
from kfh_site.story.charts.canvas import (
    NARROW, WIDE, Box, Canvas, Frame, Layout, Place, on_axis, spaced_width, text_box,
)
from kfh_site.story.palette import Palette

BAR = 30.0


def bullet_layouts(qualified: float, recommended: float, needed: float, nhs_staff: float, policy: Policy,
                   palette: Palette, when: str = "now") -> tuple[Layout, Layout]:
    """The qualified staff bar against the recommended WTE, for the wide and the narrow
    frame; ``when`` labels the bar ("now", or "in 2021/22" for an older return)."""
    return (_layout(WIDE, qualified, recommended, needed, nhs_staff, policy, palette, short=False, when=when),
            _layout(NARROW, qualified, recommended, needed, nhs_staff, policy, palette, short=True, when=when))


def _layout(frame: Frame, qualified: float, recommended: float, needed: float, nhs_staff: float,
            policy: Policy, palette: Palette, short: bool, when: str = "now") -> Layout:
    canvas = Canvas(frame, palette)
    size = frame.text
    baseline_wte = on_axis(round_up(nhs_staff / policy.baseline_ratio))
    qualified, recommended = on_axis(qualified), on_axis(recommended)
    # On a phone "meets 1 : 1,250" (the recommended label names it), so the bar keeps room
    # for "now" inside it.
    meets = f"meets {fmt.ratio(policy.recommended_ratio)}" if short else "meets the recommendation"
    end_text = f"+{fmt.wte(needed)} needed" if needed > 0 else meets
    right = spaced_width(end_text, size, True) + 10
    top = size + 10
    span = max(recommended, qualified, baseline_wte) or 1.0
    x0, x1 = 1.0, frame.width - right

    def x(value: float) -> float:
        return x0 + (x1 - x0) * (value / span)  # never value * width: 1e308 * 600 is inf

    if short:
        rec_text = f"Recommended {fmt.wte(recommended)}"
        base_text = f"2019 average {fmt.wte(baseline_wte)}"
    else:
        rec_text = f"Recommended {fmt.ratio(policy.recommended_ratio)} = {fmt.wte(recommended)}"
        base_text = f"2019 average {fmt.ratio(policy.baseline_ratio)} = {fmt.wte(baseline_wte)}"
    xr, xb = x(recommended), x(baseline_wte)
    bar_top, bar_bottom = top + 9, top + 9 + BAR
    lane, second = bar_bottom + size + 6, bar_bottom + 2 * size + 12
    # Marks first, so that every label is placed clear of them: the bar (WTE now), the
    # dashed gap up to the recommended WTE, the recommended line rising to its label's
    # lane above, and the 2019 average line falling to its label's lanes below.
    bar = Box(x0, bar_top, x(qualified), bar_bottom)
    canvas.rect(x0, bar_top, max(x(qualified) - x0, 0.0), BAR, "bar-this", obstacle=False)
    if qualified < recommended:
        canvas.rect(x(qualified), bar_top + 1, xr - x(qualified), BAR - 2, "gap", obstacle=False)
    canvas.line(xr, top + 7, xr, bar_bottom + 4, "ref-recommended")
    now = f"{fmt.wte(qualified)} {when}"
    placed = _now_on_bar(canvas, now, bar, xr, xb, lane)
    canvas.block(bar)
    end = max(xr, x(qualified))
    middle = bar_top + BAR / 2 + size * 0.35
    # The gap written in its dashed box where it fits there, clear of the 2019 line.
    gap_text = f"+{fmt.wte(needed)}"
    # In the middle of the dashed box, or of either part of it the 2019 line leaves.
    spans = [(x(qualified), xr)]
    if x(qualified) < xb < xr:
        spans += [(x(qualified), xb), (xb, xr)]
    in_box = False
    for a, b in spans:
        place = Place((a + b) / 2, middle, "middle")
        box = text_box(place.x, place.y, gap_text, size, "middle", True)
        if (needed > 0 and box.left >= a + 4 and box.right <= b - 6 and not (box.left <= xb <= box.right)
                and canvas.try_label(gap_text, place, "label-this", bold=True)):
            in_box = True
            break
    if qualified < recommended:
        canvas.block(Box(x(qualified), bar_top + 1, xr, bar_bottom - 1))
    canvas.label(("needed" if in_box else end_text), [Place(end + 6, middle)], "label-this", bold=True)
    canvas.label(rec_text, [Place(xr - 4, top, "end"), Place(xr + 4, top), Place(0, top),
                            Place(frame.width, top, "end")], bold=True)
    if not placed:
        beside = [Place(0, lane), Place(bar.right, lane, "end"),
                  *([Place(xb + 5, lane)] if xb + 5 < bar.right else []), Place(0, second + size + 6)]
        canvas.label(now, beside, bold=True)
    # The 2019 average labelled beside its line in the first lane under the bar; only if
    # that lane is taken does the line reach down to a second one.
    first = [Place(xb + 5, lane), Place(xb - 5, lane, "end")]
    if any(canvas.fits(base_text, p) for p in first):
        canvas.label(base_text, first, "label-muted")
    else:
        canvas.line(xb, lane + 2, xb, second, "ref-baseline")
        canvas.label(base_text, [Place(xb + 5, second), Place(xb - 5, second, "end")], "label-muted")
    return canvas.layout()


def _now_on_bar(canvas: Canvas, now: str, bar: Box, xr: float, xb: float, lane: float) -> bool:
    """The WTE now on the bar itself (white on the accent): at its start, just past a line
    that crosses it, or against its end, wherever it fits clear of the lines. If only the
    2019 line is in its way, the words keep the bar's start and the 2019 line becomes a
    tick from the bar's foot down to its label. Draws the 2019 line; False when the words
    fit nowhere on the bar (they go just under it)."""
    size = canvas.frame.text
    on = (bar.top + bar.bottom) / 2 + size * 0.35
    crossing = Box(xb - 1, bar.top + 2, xb + 1, lane + 2)

    def fits(place: Place, clear_of_2019: bool) -> bool:
        box = text_box(place.x, place.y, now, size, place.anchor, True)
        return (bar.left + 2 <= box.left and box.right <= bar.right - 2 and canvas.fits(now, place, size, True)
                and not (clear_of_2019 and box.overlaps(crossing)))

    inside = [Place(bar.left + 6, on), *(Place(line + 6, on) for line in sorted((xb, xr)) if bar.left < line < bar.right),
              Place(bar.right - 6, on, "end")]
    spot = next((p for p in inside if fits(p, True)), None)
    top = bar.top + 2
    if spot is None and fits(inside[0], False):
        spot, top = inside[0], bar.bottom + 1
    canvas.line(xb, top, xb, lane + 2, "ref-baseline")
    if spot is not None:
        canvas.text(spot.x, spot.y, now, "label-inverse", spot.anchor, size, True)
    return spot is not None
