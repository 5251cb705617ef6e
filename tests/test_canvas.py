"""The chart canvas and its label placer, on hand-made boxes: a label goes to the first
candidate place clear of every mark and label and inside the frame, else onto a lane of
its own below everything; nothing a label is placed on is ever overlapped."""

from __future__ import annotations

import math

import pytest

from kfh_site.story.charts.canvas import (
    NARROW,
    PAD,
    WIDE,
    Box,
    Canvas,
    Place,
    number,
    spaced_width,
    text_box,
    tick_step,
    wrap,
)
from kfh_site.story.palette import Palette


def canvas(frame=WIDE) -> Canvas:
    return Canvas(frame, Palette())


@pytest.mark.parametrize("a, b, overlap", [
    (Box(0, 0, 10, 10), Box(5, 5, 15, 15), True),
    (Box(0, 0, 10, 10), Box(10, 0, 20, 10), False),     # touching edges leave no shared area
    (Box(0, 0, 10, 10), Box(0, 10, 10, 20), False),
    (Box(0, 0, 10, 10), Box(2, 2, 3, 3), True),          # one inside the other
    (Box(0, 0, 10, 10), Box(11, 11, 12, 12), False),
])
def test_boxes_overlap_only_when_they_share_area(a, b, overlap):
    assert a.overlaps(b) is overlap and b.overlaps(a) is overlap


def test_a_label_skips_a_place_taken_by_a_bar_and_takes_the_next_clear_one():
    c = canvas()
    c.rect(100, 20, 200, 30, "bar-this")                  # a bar across y 20 to 50
    first, second = Place(120, 40), Place(120, 90)
    box = c.label("12.4 WTE", [first, second])
    assert box == text_box(120, 90, "12.4 WTE", WIDE.text)
    assert not box.overlaps(Box(100, 20, 300, 50))
    assert c.marks[-1].startswith('<text class="r-label" x="120" y="90"')


def test_a_label_never_overlaps_a_label_placed_before_it():
    c = canvas()
    places = [Place(50, 40), Place(50, 80), Place(50, 120)]
    boxes = [c.label(f"Label {n}", places) for n in range(3)]
    assert [b.bottom > p.y for b, p in zip(boxes, places, strict=True)] == [True] * 3
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_a_place_whose_text_would_leave_the_frame_is_passed_over():
    c = canvas(NARROW)
    text = "a label far too long to end inside"
    outside = Place(NARROW.width - 10, 30)                # starts 10 units from the right edge
    inside = Place(NARROW.width - 10, 60, "end")
    box = c.label(text, [outside, inside])
    assert box.inside(NARROW.width) and box.right <= NARROW.width + PAD
    assert 'text-anchor="end"' in c.marks[-1]


def test_with_every_place_taken_a_label_goes_on_a_lane_below_everything():
    c = canvas()
    c.rect(0, 0, WIDE.width, 100, "zone")                 # every candidate place lies on it
    lowest = c.bottom
    box = c.label("Recommended 1 : 1,250", [Place(10, 30), Place(10, 60)])
    assert box.top >= lowest                              # below the zone, touching nothing
    assert not box.overlaps(Box(0, 0, WIDE.width, 100))
    assert c.bottom == box.bottom                         # and the chart grows to hold it


def test_a_lane_label_that_would_leave_the_frame_starts_at_the_left_edge():
    c = canvas(NARROW)
    c.rect(0, 0, NARROW.width, 100, "zone")
    box = c.label("a label that does not fit at the right", [Place(NARROW.width - 5, 30)])
    assert box.left == pytest.approx(-PAD) and 'x="0"' in c.marks[-1]


def test_a_shaded_area_that_is_no_obstacle_leaves_room_for_labels_but_grows_the_chart():
    c = canvas()
    c.rect(0, 0, 300, 80, "gap-area", obstacle=False)
    assert c.obstacles == [] and c.bottom == 80
    box = c.label("inside the area", [Place(20, 40)])
    assert box == text_box(20, 40, "inside the area", WIDE.text)


def test_a_line_blocks_labels_by_its_stroke_as_well_as_its_length():
    c = canvas()
    c.line(0, 50, 400, 50, "ref-recommended")             # stroke width 2
    assert c.obstacles[-1] == Box(-1, 49, 401, 51)
    assert not c.fits("x", Place(10, 50 + WIDE.text * 0.2))
    assert c.fits("x", Place(10, 50 + 1 + PAD + WIDE.text * 0.78 + 0.1))


def test_try_label_draws_only_where_it_fits():
    c = canvas()
    c.rect(0, 0, 100, 40, "zone")
    assert c.try_label("tick", Place(10, 20)) is False and len(c.marks) == 1
    assert c.try_label("tick", Place(200, 20)) is True and len(c.marks) == 2


def test_text_is_escaped_and_coordinates_are_short_and_stable():
    c = canvas()
    c.text(10.0, 20.25, "<b>Trust & partners</b>")
    assert "&lt;b&gt;Trust &amp; partners&lt;/b&gt;" in c.marks[-1]
    assert 'x="10"' in c.marks[-1]
    assert number(3.0) == "3" and number(3.14) == "3.1" and number(-0.04) == "-0"


def test_wrap_breaks_at_spaces_to_fit_and_keeps_a_long_word_whole():
    lines = wrap("Mid and South Essex NHS Foundation Trust", 120, 14)
    assert " ".join(lines) == "Mid and South Essex NHS Foundation Trust" and len(lines) > 1
    assert all(spaced_width(line, 14) <= 120 for line in lines if " " in line)
    assert wrap("Supercalifragilistic", 20, 14) == ["Supercalifragilistic"]


def test_the_text_box_is_widened_for_text_spacing():
    plain = text_box(0, 0, "1 : 1,250", 14)
    assert plain.right - plain.left == pytest.approx(spaced_width("1 : 1,250", 14) + 2 * PAD)
    assert spaced_width("1 : 1,250", 14) > 0.5 * 14 * len("1 : 1,250")


@pytest.mark.parametrize("span", [0.5, 7, 1234, 9.9e11, math.ulp(1.0)])
def test_an_axis_of_any_span_has_a_few_ticks(span):
    step = tick_step(span, [(10, 1), (50, 5)])
    assert step >= 1 and span / step <= 10


def test_the_legend_wraps_onto_a_new_lane_when_the_width_runs_out():
    c = canvas(NARROW)
    c.legend([("recommended 1 : 1,250", "ref-recommended"), ("2019 average 1 : 1,730", "ref-baseline"),
              ("England", "ref-england")])
    texts = [m for m in c.marks if m.startswith("<text")]
    baselines = {m.split(' y="')[1].split('"')[0] for m in texts}
    assert len(texts) == 3 and len(baselines) >= 2
    boxes = [o for o in c.obstacles]
    assert all(b.right <= NARROW.width + PAD for b in boxes)
