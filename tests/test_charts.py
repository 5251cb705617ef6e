"""Charts: no label touches a line, a bar, a mark or another label, on any page of the
example, in either frame; the PDFs draw the very same geometry.

Text boxes are estimated here from Liberation Sans itself (read with fontTools, not from
kfh-site's own width table), widened as WCAG 1.4.12 text spacing widens them (letters
+0.12 em, words +0.16 em), so a label that fits here fits for a reader who spaces text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

FONTS = Path("/usr/share/fonts/truetype/liberation2")
ASCENT, DESCENT = 0.72, 0.21          # Liberation Sans: cap height 0.69 em, descender 0.21 em


class Widths:
    def __init__(self) -> None:
        self.tables = {}
        for bold, name in ((False, "LiberationSans-Regular.ttf"), (True, "LiberationSans-Bold.ttf")):
            font = TTFont(FONTS / name)
            cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
            scale = 1 / font["head"].unitsPerEm
            self.tables[bold] = {chr(c): metrics[g][0] * scale for c, g in cmap.items()}

    def spaced(self, text: str, size: float, bold: bool) -> float:
        table = self.tables[bold]
        natural = sum(table.get(c, 0.6) for c in text) * size
        return natural + 0.12 * size * len(text) + 0.16 * size * text.count(" ")


@pytest.fixture(scope="module")
def widths() -> Widths:
    return Widths()


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return self.left < other.right and other.left < self.right and self.top < other.bottom and other.top < self.bottom

    def inside(self, other: Box) -> bool:
        return (self.left >= other.left and self.right <= other.right and self.top >= other.top
                and self.bottom <= other.bottom)


def pdf_chart_markup(html: str) -> str:
    """The SVG markup of a PDF's charts, which its HTML holds as images (data URIs)."""
    import base64

    from kfh_site.pdf.jobs import CHART_IMAGE

    return "".join(base64.b64decode(data).decode("utf-8")
                   for data in re.findall(f'src="{re.escape(CHART_IMAGE)}([^"]+)"', html))


class SvgCharts(HTMLParser):
    """Every chart SVG of a page: its texts and its marks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charts: list[dict] = []
        self._text: dict | None = None
        self._inside = False      # within a chart's svg (not another svg, such as a QR code)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "svg" and "chart-svg" in a.get("class", ""):
            self.charts.append({"class": a["class"], "texts": [], "marks": [], "viewbox": a.get("viewbox", "")})
            self._inside = True
        elif self._inside and tag in ("line", "rect", "path"):
            self.charts[-1]["marks"].append((tag, a))
        elif self._inside and tag == "text":
            self._text = {**a, "content": ""}

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text["content"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._inside = False
        if tag == "text" and self._text is not None:
            self.charts[-1]["texts"].append(self._text)
            self._text = None


def text_box(t: dict, widths: Widths) -> Box:
    size = float(t["font-size"])
    width = widths.spaced(t["content"], size, t.get("font-weight") == "bold")
    x, y = float(t["x"]), float(t["y"])
    left = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor", "start")]
    return Box(left, y - ASCENT * size, left + width, y + DESCENT * size)


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def mark_boxes(tag: str, a: dict) -> list[Box]:
    """What a mark covers: a line or a rectangle, each dot of a path, each segment of a
    polyline (as its bounding box, thickened by the stroke)."""
    role = a.get("class", "")
    half = float(a.get("stroke-width", "0") or 0) / 2
    if tag == "line":
        x1, y1, x2, y2 = (float(a[k]) for k in ("x1", "y1", "x2", "y2"))
        return [Box(min(x1, x2) - half, min(y1, y2) - half, max(x1, x2) + half, max(y1, y2) + half)]
    if tag == "rect":
        if role == "r-zone":
            return []            # the shaded "meets" zone is a background, like the page
        x, y, w, h = (float(a[k]) for k in ("x", "y", "width", "height"))
        return [Box(x - half, y - half, x + w + half, y + h + half)]
    boxes: list[Box] = []
    shift = [float(n) for n in NUMBER.findall(a.get("transform", ""))] or [0.0, 0.0]
    for command in re.findall(r"[MLhvlz][^MLhvlz]*", a["d"]):
        numbers = [float(n) for n in NUMBER.findall(command[1:])]
        if command[0] == "M":
            x, y = numbers
            start = (x, y)
            boxes.append(Box(x - half, y - half, x + half, y + half))
        elif command[0] == "L":
            nx, ny = numbers
            boxes.append(Box(min(x, nx) - half, min(y, ny) - half, max(x, nx) + half, max(y, ny) + half))
            x, y = nx, ny
        elif command[0] in "hvl":
            dx = numbers[0] if command[0] in "hl" else 0
            dy = numbers[-1] if command[0] in "vl" else 0
            nx, ny = x + dx, y + dy
            boxes.append(Box(min(x, nx) - half, min(y, ny) - half, max(x, nx) + half, max(y, ny) + half))
            x, y = nx, ny
        elif command[0] == "z":
            x, y = start
    return [Box(b.left + shift[0], b.top + shift[1], b.right + shift[0], b.bottom + shift[1]) for b in boxes]


def collisions(chart: dict, widths: Widths) -> list[str]:
    found = []
    texts = [(t, text_box(t, widths)) for t in chart["texts"]]
    bars = [b for tag, a in chart["marks"] if a.get("class") == "r-bar-this" for b in mark_boxes(tag, a)]
    marks = [(a.get("class"), b) for tag, a in chart["marks"] for b in mark_boxes(tag, a)]
    for i, (t, box) in enumerate(texts):
        for role, other in marks:
            if not box.overlaps(other):
                continue
            if role == "r-bar-this" and t.get("class") == "r-label-inverse" and box.inside(other):
                continue         # a value written on its own bar, white on the accent
            inner = Box(other.left + 1.5, other.top + 1.5, other.right - 1.5, other.bottom - 1.5)
            if role == "r-gap" and box.inside(inner):
                continue         # the gap written in its dashed outline, clear of the outline
            found.append(f"{t['content']!r} touches a {role} mark")
        for t2, other in texts[i + 1:]:
            if box.overlaps(other):
                found.append(f"{t['content']!r} touches {t2['content']!r}")
        if t.get("class") == "r-label-inverse" and not any(box.inside(b) for b in bars):
            found.append(f"{t['content']!r} is white text off its bar")
    return found


def page_charts(path: Path) -> list[dict]:
    parser = SvgCharts()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.charts


@pytest.mark.slow
def test_no_chart_label_touches_a_line_a_bar_a_mark_or_another_label_on_any_page(example_site, widths):
    pages = sorted(example_site.rglob("*.html"))
    checked, problems = 0, []
    for page in pages:
        for chart in page_charts(page):
            checked += 1
            problems += [f"{page.relative_to(example_site)} ({chart['class']}): {p}"
                         for p in collisions(chart, widths)]
    # Every organisation page has three charts in two frames, regions and England four.
    assert checked >= 6 * 249
    assert problems == [], "\n".join(problems[:40])


def test_the_collision_check_itself_catches_a_label_on_a_line(widths):
    crossed = {"texts": [{"x": "10", "y": "20", "font-size": "14", "content": "1 : 1,597", "class": "r-label"}],
               "marks": [("line", {"class": "r-ref-baseline", "x1": "30", "y1": "0", "x2": "30", "y2": "40",
                                   "stroke-width": "2"})]}
    assert collisions(crossed, widths) == ["'1 : 1,597' touches a r-ref-baseline mark"]
    apart = {**crossed, "marks": [("line", {**crossed["marks"][0][1], "x1": "90", "x2": "90"})]}
    assert collisions(apart, widths) == []


@pytest.mark.slow
def test_the_pdfs_draw_the_same_chart_geometry_as_the_pages(example_site, tmp_path):
    """Each infographic's SVGs are, mark for mark, one frame of its web page's charts."""
    from conftest import REPO

    from kfh_site.build.pipeline import compute, read_returns
    from kfh_site.config import load_config
    from kfh_site.html.render import make_environment
    from kfh_site.pdf.plan import infographic_jobs
    from kfh_site.story.palette import Palette
    from kfh_site.story.teller import StoryTeller

    config = load_config(REPO / "kfh-site.toml")
    figures = compute(config, read_returns(config))
    palette = Palette(accent=config.theme.accent_colour)
    planned = infographic_jobs(make_environment(config.template_folders), config, StoryTeller(figures, palette),
                               palette)
    html_of = {plan.key: (plan, job.html) for plan, job in zip(planned.plans, planned.jobs, strict=True)}
    for key in ("top", "region:london", "org:rj1", "org:qkk"):
        plan, html = html_of[key]
        parser = SvgCharts()
        parser.feed(pdf_chart_markup(html))
        web = page_charts(example_site / plan.page)
        web_marks = [(c["marks"], c["texts"]) for c in web]
        assert len(parser.charts) >= 3
        for chart in parser.charts:
            assert (chart["marks"], chart["texts"]) in web_marks, f"{key}: a PDF chart not drawn on {plan.page}"


def test_trends_that_share_their_axes_through_the_cache_are_laid_out_as_on_their_own():
    """The staffing trend draws its axes and years once for every trend with the same
    years and axis top (issue 20): each chart must come out as it does alone, whichever
    was laid out first."""
    from kfh_site.story.charts.canvas import ChartCache
    from kfh_site.story.charts.staffing_trend import StaffYear, staffing_trend_layouts
    from kfh_site.story.palette import Palette

    years = ["2021/22", "2022/23", "2023/24", "2024/25"]
    trends = [
        [StaffYear("2021/22", 4.0, 5.0, 1.0), StaffYear("2023/24", 0.0, 5.2, 5.2), StaffYear("2024/25", 6.0, 5.4, 0.0)],
        [StaffYear("2021/22", 7.0, 4.0, 0.0), StaffYear("2022/23", 3.0, 5.1, 2.1), StaffYear("2024/25", 5.0, 5.3, 0.3)],
        [StaffYear("2024/25", 48.0, 51.0, 3.0)],
    ]
    alone = [staffing_trend_layouts(years, points, Palette()) for points in trends]
    for order in (trends, trends[::-1]):
        cache = ChartCache()
        shared = {id(points): staffing_trend_layouts(years, points, Palette(), cache=cache) for points in order}
        for points, own in zip(trends, alone, strict=True):
            assert [layout.body for layout in shared[id(points)]] == [layout.body for layout in own]
            assert [layout.height for layout in shared[id(points)]] == [layout.height for layout in own]
    assert alone[0][0].body != alone[1][0].body
