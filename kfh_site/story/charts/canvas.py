"""Chart geometry: marks, measured text, and a label placer that never lets text touch
a line, a bar or another label.

A chart is laid out once per frame (a wide one for desktop and the full-width PDF
charts, a narrow one for phones and half-width PDF charts) by drawing onto a Canvas.
Every mark is registered as an obstacle; each label is put at the first of its
candidate places where its box, widened for WCAG 1.4.12 text spacing, is clear of
every obstacle and inside the frame. The result is plain data (Layout) that one SVG
macro draws for both the web page and the PDF.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from markupsafe import Markup, escape

from kfh_site.story.charts.widths import BOLD, REGULAR
from kfh_site.story.palette import Palette

T = TypeVar("T")

ASCENT, DESCENT = 0.78, 0.24      # a text box around the baseline, in em (caps and descenders)
PAD = 2.0                         # clear space kept around every label


def line_gap(size: float) -> float:
    """The least distance between two baselines whose labels must not touch."""
    return (ASCENT + DESCENT) * size + 2 * PAD + 0.5
AVERAGE_WIDTH = 556               # per 1,000 em, for characters the tables do not hold
SAMPLE = 22.0                     # room for a mark's sample before its words in a key


@dataclass(frozen=True)
class Frame:
    """The size a chart is drawn at: viewBox width and text sizes in user units.

    The site shows the wide frame at the column's full width (from 48em up) and the
    narrow one between 288 and 416 CSS px, so no chart text is under 12 CSS px (14 from
    48em up); the PDF prints the wide frame 140 to 184 mm wide and the narrow one 76 mm,
    so none is under 8.5 pt.
    """

    name: str
    width: float
    text: float
    small: float


WIDE = Frame("wide", 640, 14, 12.6)
NARROW = Frame("narrow", 300, 13, 12.5)


@dataclass(frozen=True)
class Layout:
    """A chart laid out in one frame: its size and its marks, each already an SVG element
    (``<tag class="r-ROLE" geometry... presentation...>``) as templates/_charts.html draws
    them. A chart has hundreds of marks and a build thousands of charts, and charts share
    many (a peer group's dots, a trend's axes): written once, as text, they cost a join."""

    frame: str
    width: float
    height: float
    marks: tuple[str, ...]

    @functools.cached_property
    def body(self) -> Markup:
        """The marks, for the template: text escaped, attributes the canvas's own numbers
        and style keywords (never user text)."""
        return Markup("".join(self.marks))

    def __repr__(self) -> str:
        """Short and exact: what a page's render key needs to know of a chart."""
        digest = hashlib.sha256(self.body.encode()).hexdigest()
        return f"Layout({self.frame!r}, {self.width!r}, {self.height!r}, {digest})"


class Box(NamedTuple):
    """A rectangle in user units (a tuple: charts make hundreds of thousands of them)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        """Two boxes share some area."""
        return (self.left < other.right and other.left < self.right
                and self.top < other.bottom and other.top < self.bottom)

    def inside(self, width: float) -> bool:
        """Inside the frame's width; a label's clear space may reach past the edge."""
        return self.left >= -PAD and self.right <= width + PAD


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The advance width of ``text`` in Liberation Sans at ``size``."""
    return _em_width(text, bold) * size / 1000


@functools.lru_cache(maxsize=65536)
def _em_width(text: str, bold: bool) -> float:
    """Width per 1,000 em; labels repeat from chart to chart (ticks, row titles)."""
    table = BOLD if bold else REGULAR
    return sum(table.get(c, AVERAGE_WIDTH) for c in text)


def spaced_width(text: str, size: float, bold: bool = False) -> float:
    """The width with WCAG 1.4.12 text spacing applied (letters +0.12 em, words +0.16 em)."""
    return _spaced_width(text, size, bold)


@functools.lru_cache(maxsize=65536)
def _spaced_width(text: str, size: float, bold: bool) -> float:
    # Word spacing widens no-break spaces too (CSS: both are word separators).
    return (text_width(text, size, bold) + 0.12 * size * len(text)
            + 0.16 * size * (text.count(" ") + text.count("\u00a0")))


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines that fit ``width`` (text spacing included);
    a single word longer than the width keeps a line of its own."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and spaced_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def text_box(x: float, y: float, text: str, size: float, anchor: str = "start", bold: bool = False) -> Box:
    """The box a label may take, text spacing included, around baseline ``y``."""
    width = spaced_width(text, size, bold)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left - PAD, y - ASCENT * size - PAD, left + width + PAD, y + DESCENT * size + PAD)


@dataclass(frozen=True)
class Place:
    """A candidate place for a label: baseline position and anchor."""

    x: float
    y: float
    anchor: str = "start"


def _n(value: float) -> str:
    """Coordinates with at most one decimal, so the same figures always give the same bytes."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


class Drawn(NamedTuple):
    """What a canvas has drawn so far, for another canvas to start from (the parts many
    charts share, drawn once): its marks, what labels must keep clear of, its bottom."""

    marks: tuple[str, ...]
    obstacles: tuple[Box, ...]
    bottom: float


class Canvas:
    """Draws one chart in one frame. Lives only while the chart is laid out."""

    def __init__(self, frame: Frame, palette: Palette):
        self.frame = frame
        self.palette = palette
        self.marks: list[str] = []
        self.obstacles: list[Box] = []
        self.bottom = 0.0

    @property
    def width(self) -> float:
        """The frame's width, that no label may pass."""
        return self.frame.width

    def _add(self, tag: str, role: str, attrs: str, text: str = "") -> None:
        """One mark as its SVG element: ``attrs`` its geometry (' x="1" y="2"'), then the
        palette's presentation attributes for ``role``; only a text's words are escaped."""
        style = self.palette.svg_attributes(role)
        if tag == "text":
            self.marks.append(f'<text class="r-{role}"{attrs}{style}>{escape(text)}</text>')
        else:
            self.marks.append(f'<{tag} class="r-{role}"{attrs}{style}/>')

    def drawn(self) -> Drawn:
        """What is drawn so far, for :meth:`draw` on another canvas of the same frame."""
        return Drawn(tuple(self.marks), tuple(self.obstacles), self.bottom)

    def draw(self, drawn: Drawn) -> None:
        """Everything another canvas drew, as if drawn here: the same marks in the same
        order, the same obstacles, the same bottom."""
        self.marks.extend(drawn.marks)
        self.obstacles.extend(drawn.obstacles)
        self.bottom = max(self.bottom, drawn.bottom)

    def _grow(self, box: Box) -> None:
        self.obstacles.append(box)
        self.bottom = max(self.bottom, box.bottom)

    def rect(self, x: float, y: float, width: float, height: float, role: str, obstacle: bool = True) -> None:
        """A rectangle; an obstacle to labels unless said otherwise."""
        self._add("rect", role, f' x="{_n(x)}" y="{_n(y)}" width="{_n(max(width, 0))}" height="{_n(height)}"')
        box = Box(x, y, x + width, y + height)
        if obstacle:
            self._grow(box)
        else:
            self.bottom = max(self.bottom, box.bottom)

    def block(self, box: Box) -> None:
        """Keep labels out of ``box`` from now on (a bar that a label was put on first)."""
        self._grow(box)

    def line(self, x1: float, y1: float, x2: float, y2: float, role: str) -> None:
        """A line, its stroke counted in what labels must keep clear of."""
        self._add("line", role, f' x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"')
        half = self.palette.stroke_width(role) / 2
        self._grow(Box(min(x1, x2) - half, min(y1, y2) - half, max(x1, x2) + half, max(y1, y2) + half))

    def path(self, d: str, role: str, bounds: Box, dy: float = 0.0, obstacle: bool = True) -> None:
        """A path (many dots, a line series) whose marks all lie inside ``bounds``;
        ``dy`` moves a path drawn around y = 0 (one that many charts share) into place.
        A path that is not an obstacle (a shaded area) only extends the chart's height;
        the chart then blocks what labels must avoid itself."""
        self._add("path", role, f' d="{d}" transform="translate(0 {_n(dy)})"' if dy else f' d="{d}"')
        if obstacle:
            self._grow(bounds)
        else:
            self.bottom = max(self.bottom, bounds.bottom)

    def text(self, x: float, y: float, text: str, role: str = "label", anchor: str = "start",
             size: float | None = None, bold: bool = False) -> Box:
        """Text at a place chosen by the chart itself; it becomes an obstacle too."""
        size = size or self.frame.text
        self._add("text", role, self._text_attrs(x, y, anchor, size, bold), text)
        box = text_box(x, y, text, size, anchor, bold)
        self._grow(box)
        return box

    def label(self, text: str, places: Sequence[Place], role: str = "label", size: float | None = None,
              bold: bool = False) -> Box:
        """Put ``text`` at the first place where it is clear of every mark and label and
        inside the frame; failing all, on a new lane below everything drawn so far."""
        size = size or self.frame.text
        for place in places:
            box = text_box(place.x, place.y, text, size, place.anchor, bold)
            if box.inside(self.width) and not any(box.overlaps(o) for o in self.obstacles):
                return self.text(place.x, place.y, text, role, place.anchor, size, bold)
        x = places[0].x if places else 0
        anchor = places[0].anchor if places else "start"
        if not text_box(x, 0, text, size, anchor, bold).inside(self.width):
            x, anchor = 0, "start"
        return self.text(x, self.bottom + PAD + ASCENT * size + PAD, text, role, anchor, size, bold)

    def try_label(self, text: str, place: Place, role: str = "label", size: float | None = None,
                  bold: bool = False) -> bool:
        """Put ``text`` at ``place`` only if it is clear there (for labels a chart can do
        without, such as a crowded axis tick's)."""
        if not self.fits(text, place, size, bold):
            return False
        self.text(place.x, place.y, text, role, place.anchor, size or self.frame.text, bold)
        return True

    def fits(self, text: str, place: Place, size: float | None = None, bold: bool = False) -> bool:
        """A label at ``place`` stays inside the frame and clear of every obstacle."""
        box = text_box(place.x, place.y, text, size or self.frame.text, place.anchor, bold)
        return box.inside(self.width) and not any(box.overlaps(o) for o in self.obstacles)

    def _text_attrs(self, x: float, y: float, anchor: str, size: float, bold: bool) -> str:
        return (f' x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}"'
                + ("" if anchor == "start" else f' text-anchor="{anchor}"')
                + (' font-weight="bold"' if bold else ""))

    def legend(self, entries: Sequence[tuple[str, str | None]], size: float | None = None) -> None:
        """A key under the chart: each entry a sample of its mark (a role, or None for
        plain text) and its words, wrapping onto new lanes as the width runs out."""
        size = size or self.frame.small
        cursor, baseline = 0.0, self.bottom + size + 6
        for text, role in entries:
            width = spaced_width(text, size) + (SAMPLE if role else 0)
            if cursor and cursor + width > self.width:
                cursor, baseline = 0.0, self.bottom + size + 6
            if role:
                self.sample(role, cursor + 8, baseline - size * 0.35)
            self.text(cursor + (SAMPLE if role else 0), baseline, text, "label-muted", size=size)
            cursor += width + 14

    def sample(self, role: str, x: float, y: float) -> None:
        """A small copy of a mark, for a key."""
        box = Box(x - 8, y - 7, x + 8, y + 7)
        if role in ("this-dot", "this-points", "others-large", "this-small"):
            self.path(dots_path([(x, y)]), role, box)
        elif role in ("none-this", "none-mark"):
            self.path(cross_path(x, y, 5), role, box)
        elif role == "england-median":
            self.path(diamond_path(x, y, 5), role, box)
        elif role == "england-points":
            self.path(f"M{_n(x - 3.5)} {_n(y - 3.5)}h7v7h-7z", role, box)
        elif role == "median":
            self.line(x, y - 6, x, y + 6, role)
        elif role in ("zone", "bar-this"):
            self.rect(x - 6, y - 6, 12, 12, role)
        else:
            self.line(x - 8, y, x + 8, y, role)

    def layout(self, bottom_margin: float = 4) -> Layout:
        """The finished chart: its marks and the height they need."""
        return Layout(self.frame.name, self.width, round(self.bottom + bottom_margin), tuple(self.marks))


class ChartCache:
    """What many charts share, worked out once per build: a peer group's dots, a strip
    without its organisation's marks, a trend's axes. Keys name everything the cached
    thing depends on, so a hit is always the same as working it out again."""

    def __init__(self) -> None:
        self._items: dict[object, object] = {}

    def get(self, key: object, make: Callable[[], T]) -> T:
        """The chart made once for ``key``: many pages draw the same one."""
        if key not in self._items:
            self._items[key] = make()
        return self._items[key]  # type: ignore[return-value]


AXIS_LIMIT = 1e12
"""The largest figure an axis reaches; beyond it (or below its negative) a figure sits at
the end. Returns are bounded far below this at validation: the limit is for a figure fed
straight to a layout, so that every axis has finitely many ticks whatever it is given."""


def on_axis(value: float) -> float:
    """``value`` brought within the axis' reach (a NaN, which no figure is, becomes 0)."""
    return min(max(value, -AXIS_LIMIT), AXIS_LIMIT) if value == value else 0.0


def tick_step(span: float, steps: Sequence[tuple[float, int]], most: int = 10) -> int:
    """The step of the first ``(widest span, step)`` pair whose span holds ``span``; past
    them 1, 2 or 5 times a power of ten that gives at most ``most`` steps, so an axis of
    any finite span ends."""
    for widest, step in steps:
        if span <= widest:
            return step
    least = max(span / most, float(steps[-1][1]) if steps else 1.0)
    power = 10 ** max(0, math.floor(math.log10(least)))
    for factor in (1, 2, 5, 10):
        if factor * power >= least:
            return int(factor * power)
    return int(10 * power)  # not reached: 10 * power >= least


def cross_path(x: float, y: float, half: float) -> str:
    """A crossed mark (no qualified staff), centred on ``x, y``."""
    return (f"M{_n(x - half)} {_n(y - half)}L{_n(x + half)} {_n(y + half)}"
            f"M{_n(x + half)} {_n(y - half)}L{_n(x - half)} {_n(y + half)}")


def diamond_path(x: float, y: float, half: float) -> str:
    """An open diamond (England's median beside an area's own), centred on ``x, y``."""
    return f"M{_n(x)} {_n(y - half)}L{_n(x + half)} {_n(y)}L{_n(x)} {_n(y + half)}L{_n(x - half)} {_n(y)}Z"


def dots_path(points: Sequence[tuple[float, float]]) -> str:
    """Many dots as one path: each a zero-length segment drawn with round caps."""
    return "".join(f"M{_n(x)} {_n(y)}h0" for x, y in points)


def number(value: float) -> str:
    """A coordinate as the SVG writes it: short, the same on every build."""
    return _n(value)
